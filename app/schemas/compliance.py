"""Response models of /v1/compliance and /v1/compliance/history, copied from analysis results."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from app.analysis import compliance as c
from app.analysis.decimals import number_or_none, text_or_none
from app.schemas import EditionRuleRead, Schema


class ComplianceRule(Schema):
    """The comparison applied, stated in full so that a count can be reproduced."""

    indicator: str = Field(examples=["share_gdp"])
    threshold: float = Field(description="Threshold in the indicator's unit.", examples=[2.0])
    basis: str = Field(
        description="`full_precision`: the stored value with all its published digits; "
        "`published`: the value rounded to 2 decimals half up (ROUND_HALF_UP, as NATO prints "
        "it: 1.9959 -> 2.00) before comparing.",
        examples=["full_precision"],
    )
    comparison: str = Field(
        description="Meets when the compared value is at or above the threshold.",
        examples=["value >= threshold"],
    )
    description: str = Field(
        examples=[
            "meets when share_gdp >= 2.0, comparing the stored value with all its published "
            "digits; a value equal to the threshold meets it; no figure means no_data, never "
            "failing"
        ]
    )

    @classmethod
    def from_rule(cls, rule: c.ComplianceRule) -> ComplianceRule:
        return cls(
            indicator=rule.indicator,
            threshold=float(rule.threshold),
            basis=rule.basis.value,
            comparison=rule.comparison,
            description=rule.description,
        )


class ComplianceItem(Schema):
    """One ally's status against the threshold (Iceland and uncovered allies: no_data)."""

    ally: str = Field(description="ISO3 code.", examples=["USA"])
    name: str = Field(examples=["United States"])
    year: int = Field(examples=[2024])
    value: float | None = Field(description="The figure, null when none.", examples=[3.19])
    value_text: str | None = Field(
        description="The figure exactly as published.", examples=["3.19"]
    )
    compared_value_text: str | None = Field(
        description="The value actually compared: `value_text`, or rounded to 2 decimals "
        "under basis=published.",
        examples=["3.19"],
    )
    edition: str | None = Field(description="Edition of the figure.", examples=["2025-04"])
    source: str | None = Field(description="Source of the figure.", examples=["knews-2025-04-25"])
    is_estimate: bool | None = Field(examples=[True])
    unit: str | None = Field(examples=["% of GDP"])
    meets: bool | None = Field(description="At or above the threshold; null: no figure.")
    status: str = Field(description="`meeting`, `below` or `no_data`.", examples=["meeting"])
    gap_pp: float | None = Field(
        description="Compared value minus threshold, in the indicator's unit (percentage "
        "points for shares), computed exactly.",
        examples=[1.19],
    )
    gap_pp_text: str | None = Field(description="`gap_pp` as exact text.", examples=["1.19"])
    shortfall_usd_million: float | None = Field(
        description="share_gdp only: threshold/100 * GDP (gdp_usd_current) - defence "
        "expenditure (usd_current), both of the figure's own edition and year, in million US "
        "dollars at current prices; 0 when the ally meets the threshold; null when that edition "
        "lacks either figure (never taken from another edition).",
        examples=[8251.2],
    )
    reason: str | None = Field(
        description="Why there is no figure (no_data only).",
        examples=["Iceland has no armed forces: no expenditure figures"],
    )
    expenditure_definition: str | None = Field(
        description="What the figure measures, from its edition: `nato_defence_expenditure` "
        "(NATO's definition before 2025) or `core_defence_expenditure` (the Hague definition, "
        "2026-07); counts across the two compare different concepts.",
        examples=["nato_defence_expenditure"],
    )

    @classmethod
    def from_status(
        cls, status: c.Status, definitions: Mapping[str, str] | None = None
    ) -> ComplianceItem:
        figure = status.figure
        return cls(
            ally=status.ally,
            name=status.name,
            year=status.year,
            value=float(figure.value) if figure else None,
            value_text=figure.value if figure else None,
            compared_value_text=text_or_none(status.compared),
            edition=figure.edition if figure else None,
            source=figure.source if figure else None,
            is_estimate=figure.is_estimate if figure else None,
            unit=figure.unit if figure else None,
            meets=status.meets,
            status=status.status,
            gap_pp=number_or_none(status.gap),
            gap_pp_text=text_or_none(status.gap),
            shortfall_usd_million=number_or_none(status.shortfall),
            reason=status.reason,
            expenditure_definition=(definitions or {}).get(figure.edition) if figure else None,
        )


class ComplianceSummary(Schema):
    meeting: int = Field(examples=[22])
    below: int = Field(examples=[9])
    no_data: int = Field(examples=[1])
    meeting_allies: list[str] = Field(examples=[["EST", "POL", "USA"]])
    below_allies: list[str] = Field(examples=[["BEL", "ESP"]])
    no_data_allies: list[str] = Field(examples=[["ISL"]])
    conflicting_allies: list[str] = Field(
        description="Allies whose edition gives two sources that disagree on meeting the "
        "threshold (counted in none of the classes).",
        examples=[[]],
    )

    @classmethod
    def from_summary(cls, summary: c.Summary) -> ComplianceSummary:
        return cls.model_validate(summary.as_dict())


class PublishedCountRead(Schema):
    """A count (or fraction) of allies at 2% as published, beside the computed count."""

    aggregate: str = Field(examples=["ALLIES"])
    indicator: str = Field(examples=["count_allies_2pct"])
    year: int = Field(examples=[2024])
    value: float | None = Field(description="Null when only words were given.", examples=[22])
    value_text: str | None = Field(examples=["22"])
    qualifier: str | None = Field(examples=[None])
    unit: str = Field(examples=["number of allies"])
    edition: str = Field(examples=["2025-04"])
    source: str = Field(examples=["anews-2025-04-24"])
    is_estimate: bool
    computed_meeting: int = Field(description="The computed count it is set against.")
    mismatch: bool | None = Field(
        description="true/false when the published count is a number from the same single "
        "edition as the computed figures; null when not comparable (other edition, no number).",
        examples=[False],
    )

    @classmethod
    def from_check(cls, check: c.CountCheck) -> PublishedCountRead:
        count = check.published
        return cls(
            aggregate=count.aggregate,
            indicator=count.indicator,
            year=count.year,
            value=number_or_none(count.value),
            value_text=count.value,
            qualifier=count.qualifier,
            unit=count.unit,
            edition=count.edition,
            source=count.source,
            is_estimate=count.is_estimate,
            computed_meeting=check.computed_meeting,
            mismatch=check.mismatch,
        )


class ComplianceRead(Schema):
    edition_rule: EditionRuleRead
    rule: ComplianceRule
    year: int = Field(examples=[2024])
    editions: list[str] = Field(
        description="Editions of the figures compared.", examples=[["2025-04"]]
    )
    summary: ComplianceSummary
    published_counts: list[PublishedCountRead] = Field(
        description="Published counts of allies at 2% of GDP for this year (share_gdp at 2.0 "
        "only), under the same edition rule."
    )
    items: list[ComplianceItem]
    total: int = Field(examples=[32])

    @classmethod
    def from_result(cls, result: c.ComplianceResult) -> ComplianceRead:
        return cls(
            edition_rule=EditionRuleRead.from_rule(result.edition_rule),
            rule=ComplianceRule.from_rule(result.rule),
            year=result.year,
            editions=result.editions,
            summary=ComplianceSummary.from_summary(result.summary),
            published_counts=[PublishedCountRead.from_check(k) for k in result.counts],
            items=[ComplianceItem.from_status(s, result.definitions) for s in result.statuses],
            total=len(result.statuses),
        )


class ComplianceYear(Schema):
    year: int = Field(examples=[2024])
    meeting: int = Field(examples=[17])
    below: int = Field(examples=[14])
    no_data: int = Field(examples=[1])
    meeting_allies: list[str]
    below_allies: list[str]
    no_data_allies: list[str]
    conflicting_allies: list[str]
    editions: list[str] = Field(examples=[["2026-07"]])
    published_counts: list[PublishedCountRead]

    @classmethod
    def from_year(cls, entry: c.YearCompliance) -> ComplianceYear:
        return cls(
            year=entry.year,
            editions=entry.editions,
            published_counts=[PublishedCountRead.from_check(k) for k in entry.counts],
            **entry.summary.as_dict(),
        )


class ComplianceHistoryRead(Schema):
    edition_rule: EditionRuleRead
    rule: ComplianceRule
    items: list[ComplianceYear]
    total: int

    @classmethod
    def from_history(cls, history: c.ComplianceHistory) -> ComplianceHistoryRead:
        return cls(
            edition_rule=EditionRuleRead.from_rule(history.edition_rule),
            rule=ComplianceRule.from_rule(history.rule),
            items=[ComplianceYear.from_year(y) for y in history.years],
            total=len(history.years),
        )
