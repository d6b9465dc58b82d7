"""Response models of the analysis endpoints: compliance, totals, revisions, quotes, claims."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.analysis import claims as k
from app.analysis import compliance as c
from app.analysis import revisions as r
from app.analysis import totals as t
from app.analysis.decimals import decimal_text, number_or_none, text_or_none
from app.analysis.editions import EditionRule
from app.schemas import EditionRuleRead, Schema

# --- compliance --------------------------------------------------------------------------------


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

    @classmethod
    def from_status(cls, status: c.Status) -> ComplianceItem:
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
            items=[ComplianceItem.from_status(s) for s in result.statuses],
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


# --- totals ------------------------------------------------------------------------------------


class PublishedTotal(Schema):
    """A group figure as published, with its qualifier, price basis and source."""

    aggregate: str = Field(examples=["NATO_TOTAL"])
    indicator: str = Field(examples=["usd_current"])
    value: float | None = Field(examples=[1474399.4765734388])
    value_text: str | None = Field(examples=["1474399.4765734388"])
    qualifier: str | None = Field(examples=["around"])
    unit: str = Field(examples=["million US dollars, current prices and exchange rates"])
    price_basis: str = Field(
        description="`current`, `constant` or `not stated`, read from the unit.",
        examples=["current"],
    )
    edition: str = Field(examples=["2024-06"])
    source: str = Field(examples=["nato-def-exp-2024-xlsx"])
    is_estimate: bool
    difference: float | None = Field(
        description="Published minus computed sum, in the computed unit; only where both are "
        "in the same unit and measure and the sum comes from this edition alone; else null.",
        examples=[0.0],
    )
    difference_text: str | None = Field(examples=["0E-13"])

    @classmethod
    def from_published(cls, p: t.Published) -> PublishedTotal:
        return cls(
            aggregate=p.aggregate,
            indicator=p.indicator,
            value=number_or_none(p.value),
            value_text=p.value,
            qualifier=p.qualifier,
            unit=p.unit,
            price_basis=p.basis,
            edition=p.edition,
            source=p.source,
            is_estimate=p.is_estimate,
            difference=number_or_none(p.difference),
            difference_text=text_or_none(p.difference),
        )


class TotalItem(Schema):
    """One group in one year: the sum of per-ally values beside the published figures."""

    year: int = Field(examples=[2024])
    group: str = Field(
        description="NATO_TOTAL, NATO_EUROPE_CANADA, NATO_EUROPE, USA or USA_SHARE_OF_NATO.",
        examples=["NATO_TOTAL"],
    )
    computed_value: float | None = Field(
        description="Sum of the per-ally values of the allies that were members that year "
        "(exact decimal sum); null when a member has no figure. USA_SHARE_OF_NATO: USA / "
        "NATO_TOTAL * 100, rounded to 4 decimals (a ratio, not a published figure).",
        examples=[1474399.47657343887905],
    )
    computed_value_text: str | None = Field(examples=["1474399.47657343887905"])
    computed_unit: str = Field(examples=["million US dollars"])
    computed_allies: int = Field(description="Allies summed.", examples=[31])
    computed_missing: list[str] = Field(
        description="Members that year without a figure under the edition rule.", examples=[[]]
    )
    computed_editions: list[str] = Field(examples=[["2024-06"]])
    computed_sources: list[str] = Field(examples=[["nato-def-exp-2024-xlsx"]])
    mixed_editions: bool = Field(description="The sum combines more than one edition.")
    published: list[PublishedTotal]

    @classmethod
    def from_total(cls, total: t.GroupTotal) -> TotalItem:
        return cls(
            year=total.year,
            group=total.group,
            computed_value=number_or_none(total.value),
            computed_value_text=text_or_none(total.value),
            computed_unit=total.unit,
            computed_allies=len(total.allies),
            computed_missing=total.missing,
            computed_editions=sorted(total.editions),
            computed_sources=sorted(total.sources),
            mixed_editions=len(total.editions) > 1,
            published=[PublishedTotal.from_published(p) for p in total.published],
        )


class TotalsRead(Schema):
    edition_rule: EditionRuleRead
    measure: str = Field(examples=["usd_current"])
    items: list[TotalItem]
    total: int

    @classmethod
    def from_totals(
        cls, totals: list[t.GroupTotal], *, measure: t.Measure, rule: EditionRule
    ) -> TotalsRead:
        return cls(
            edition_rule=EditionRuleRead.from_rule(rule),
            measure=measure.value,
            items=[TotalItem.from_total(total) for total in totals],
            total=len(totals),
        )


# --- revisions ---------------------------------------------------------------------------------


class RevisionItem(Schema):
    edition: str = Field(examples=["2025-04"])
    published_on: dt.date
    expenditure_definition: str = Field(examples=["nato_defence_expenditure"])
    definition_changed: bool = Field(
        description="This edition measures expenditure under another definition than the "
        "previous item's edition (2026-07: core defence expenditure)."
    )
    value: float | None = Field(examples=[3.19])
    value_text: str | None = Field(examples=["3.19"])
    value_published: str | None = Field(
        description="Value rounded to 2 decimals half up, as NATO prints it.", examples=["3.19"]
    )
    qualifier: str | None = Field(description="Aggregates only (e.g. around).", examples=[None])
    unit: str = Field(examples=["% of GDP"])
    source: str = Field(examples=["knews-2025-04-25"])
    is_estimate: bool
    change: float | None = Field(
        description="Value minus the previous edition's value (exact); null for the first "
        "edition, or when either edition has two sources for this figure.",
        examples=[-0.1890207262385565],
    )
    change_text: str | None = Field(examples=["-0.1890207262385565"])
    change_published: str | None = Field(
        description="Change between the 2-decimal printed values.", examples=["-0.19"]
    )
    sources_in_edition: int = Field(
        description="Rows this edition has for the figure (2: two sources disagree or agree; "
        "both are listed).",
        examples=[1],
    )

    @classmethod
    def from_revision(cls, revision: r.Revision) -> RevisionItem:
        return cls(
            edition=revision.edition,
            published_on=revision.published_on,
            expenditure_definition=revision.definition,
            definition_changed=revision.definition_changed,
            value=number_or_none(revision.value),
            value_text=revision.value,
            value_published=text_or_none(revision.value_published),
            qualifier=revision.qualifier,
            unit=revision.unit,
            source=revision.source,
            is_estimate=revision.is_estimate,
            change=number_or_none(revision.change),
            change_text=text_or_none(revision.change),
            change_published=text_or_none(revision.change_published),
            sources_in_edition=revision.sources_in_edition,
        )


class RevisionsRead(Schema):
    ally: str | None = Field(examples=["USA"])
    aggregate: str | None = Field(examples=[None])
    name: str | None = Field(examples=["United States"])
    indicator: str = Field(examples=["share_gdp"])
    year: int = Field(examples=[2024])
    items: list[RevisionItem]
    total: int

    @classmethod
    def from_chain(cls, chain: r.RevisionChain) -> RevisionsRead:
        return cls(
            ally=chain.ally,
            aggregate=chain.aggregate,
            name=chain.name,
            indicator=chain.indicator,
            year=chain.year,
            items=[RevisionItem.from_revision(item) for item in chain.items],
            total=len(chain.items),
        )


class ChangeItem(Schema):
    ally: str = Field(examples=["ALB"])
    name: str = Field(examples=["Albania"])
    indicator: str = Field(examples=["share_gdp"])
    year: int = Field(examples=[2024])
    from_value: float
    from_value_text: str = Field(examples=["2.04"])
    from_source: str
    to_value: float
    to_value_text: str = Field(examples=["1.35"])
    to_source: str
    change: float = Field(description="to minus from, exact.", examples=[-0.69])
    change_text: str = Field(examples=["-0.69"])

    @classmethod
    def from_change(cls, change: r.Change) -> ChangeItem:
        return cls(
            ally=change.ally,
            name=change.name,
            indicator=change.indicator,
            year=change.year,
            from_value=float(change.from_value),
            from_value_text=change.from_value,
            from_source=change.from_source,
            to_value=float(change.to_value),
            to_value_text=change.to_value,
            to_source=change.to_source,
            change=float(change.change),
            change_text=decimal_text(change.change),
        )


class FlipItem(Schema):
    ally: str = Field(examples=["MNE"])
    name: str = Field(examples=["Montenegro"])
    year: int = Field(examples=[2024])
    from_value_text: str
    to_value_text: str
    from_meets: bool
    to_meets: bool

    @classmethod
    def from_flip(cls, flip: r.Flip) -> FlipItem:
        return cls(
            ally=flip.ally,
            name=flip.name,
            year=flip.year,
            from_value_text=flip.from_value,
            to_value_text=flip.to_value,
            from_meets=flip.from_meets,
            to_meets=flip.to_meets,
        )


class ChangesRead(Schema):
    from_edition: str = Field(examples=["2024-06"])
    to_edition: str = Field(examples=["2025-04"])
    definition_changed: bool = Field(
        description="The two editions define expenditure differently: a change mixes the "
        "definition change with revisions."
    )
    from_definition: str
    to_definition: str
    compliance_rule: ComplianceRule | None = Field(
        description="The threshold `flips` were tested against (null: no threshold applies)."
    )
    flips: list[FlipItem] = Field(
        description="Allies whose status against the threshold differs between the editions."
    )
    items: list[ChangeItem]
    total: int
    limit: int
    offset: int
    next: str | None
    prev: str | None

    @classmethod
    def from_changes(
        cls, result: r.ChangeSet, *, limit: int, offset: int, links: dict[str, str | None]
    ) -> ChangesRead:
        """One page (`offset`, `limit`) of the changes, with every flip."""
        return cls(
            from_edition=result.from_edition,
            to_edition=result.to_edition,
            definition_changed=result.definition_changed,
            from_definition=result.from_definition,
            to_definition=result.to_definition,
            compliance_rule=ComplianceRule.from_rule(result.rule) if result.rule else None,
            flips=[FlipItem.from_flip(f) for f in result.flips],
            items=[ChangeItem.from_change(c) for c in result.changes[offset : offset + limit]],
            total=len(result.changes),
            limit=limit,
            offset=offset,
            **links,
        )


# --- quotes ------------------------------------------------------------------------------------


class QuoteRead(Schema):
    id: str = Field(examples=["jens-stoltenberg-2024-06-17-twenty-three-allies-are-going-to"])
    speaker: str = Field(examples=["Jens Stoltenberg"])
    role: str = Field(examples=["NATO Secretary General"])
    said_on: dt.date = Field(examples=["2024-06-17"])
    text: str = Field(
        description="Verbatim.",
        examples=["Twenty-three allies are going to spend 2% of GDP or more on defence this year"],
    )
    language: str = Field(description="ISO 639-1.", examples=["en"])
    source: str = Field(examples=["artifexnews-21297"])
    context: str | None
    verification: str = Field(examples=["quoted_by_secondary_source"])


class SpeakerRead(Schema):
    speaker: str = Field(examples=["Mark Rutte"])
    quotes: int = Field(description="Number of quotes.", examples=[10])
    first_said_on: dt.date
    last_said_on: dt.date


# --- claims ------------------------------------------------------------------------------------


class ClaimVerdict(Schema):
    """What one edition says about the claim."""

    edition: str = Field(examples=["2025-04"])
    published_on: dt.date
    expenditure_definition: str
    verdict: str = Field(
        description="`match`, `mismatch` or `not_covered` (the edition has no figure, or too "
        "few allies to decide a count).",
        examples=["match"],
    )
    value: float | None = Field(
        description="The edition's figure (value claims) or computed count (count claims).",
        examples=[3.19],
    )
    value_text: str | None = Field(examples=["3.19"])
    compared_text: str | None = Field(
        description="Value claims: the figure rounded half up to the claim's decimals.",
        examples=["3.19"],
    )
    source: str | None = Field(examples=["knews-2025-04-25"])
    covered_allies: int | None = Field(
        description="Count claims: allies with a figure in this edition."
    )
    published_count: str | None = Field(
        description="Count claims: the count this edition's sources published, if any.",
        examples=["22"],
    )

    @classmethod
    def from_verdict(cls, v: k.Verdict) -> ClaimVerdict:
        return cls(
            edition=v.edition,
            published_on=v.published_on,
            expenditure_definition=v.definition,
            verdict=v.verdict,
            value=number_or_none(v.value),
            value_text=v.value,
            compared_text=v.compared,
            source=v.source,
            covered_allies=v.covered,
            published_count=v.published_count,
        )


class ClaimRead(Schema):
    claim: str = Field(examples=["USA share_gdp 2024 = 3.19"])
    rule: str = Field(
        description="How a match is decided.",
        examples=["the figure rounded half up to the claim's 2 decimals equals the claim"],
    )
    supported_by: list[str] = Field(examples=[["2025-04"]])
    contradicted_by: list[str] = Field(examples=[["2024-06", "2025-08", "2026-07"]])
    not_covered_by: list[str] = Field(examples=[["2024-02", "2024-03", "2025-02"]])
    items: list[ClaimVerdict]
    total: int

    @classmethod
    def from_result(cls, result: k.ClaimResult) -> ClaimRead:
        return cls(
            claim=result.claim,
            rule=result.rule,
            supported_by=result.editions_with("match"),
            contradicted_by=result.editions_with("mismatch"),
            not_covered_by=result.editions_with("not_covered"),
            items=[ClaimVerdict.from_verdict(v) for v in result.verdicts],
            total=len(result.verdicts),
        )
