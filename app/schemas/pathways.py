"""Response models of /v1/pathways and /v1/pathways/{ally}, copied from analysis results."""

from __future__ import annotations

from pydantic import Field

from app.analysis import pathways as p
from app.analysis.decimals import decimal_text, number_or_none, text_or_none
from app.schemas import EditionRuleRead, Schema


def _computed(value: p.Computed | None) -> tuple[float | None, str | None, bool | None]:
    if value is None:
        return None, None, None
    return float(value.value), value.text, value.exact


class PathwayRuleRead(Schema):
    """The target, deadline and pace window applied, and the rules in words."""

    target: float = Field(description="Target share of GDP, per cent.", examples=[3.5])
    target_text: str = Field(description="`target` as exact text.", examples=["3.5"])
    by: int = Field(description="Deadline year.", examples=[2035])
    pace_years: int = Field(description="Years over which the pace is measured.", examples=[3])
    quotient_places: int = Field(
        description="Decimal places of a computed quotient that does not terminate (rounded "
        "half-even); a terminating quotient is exact.",
        examples=[12],
    )
    description: str = Field(
        description="The rules in words: the figure, each computation, the statuses, the "
        "rounding of quotients and what the target covers (defence expenditure alone)."
    )

    @classmethod
    def from_rule(cls, rule: p.PathwayRule) -> PathwayRuleRead:
        return cls(
            target=float(rule.target),
            target_text=decimal_text(rule.target),
            by=rule.by,
            pace_years=rule.pace_years,
            quotient_places=rule.quotient_places,
            description=rule.description,
        )


class PathwayItem(Schema):
    """One ally's path to the target (Iceland: no_data)."""

    ally: str = Field(description="ISO3 code.", examples=["USA"])
    name: str = Field(description="NATO's short English name.", examples=["United States"])
    status: str = Field(
        description="`met`, `on_track`, `off_track`, `insufficient_data` (no pace) or "
        "`no_data` (no figure).",
        examples=["off_track"],
    )
    latest_year: int | None = Field(description="Year of the newest figure.", examples=[2026])
    latest_value: float | None = Field(
        description="The newest share_gdp figure, % of GDP; null when none.", examples=[3.17]
    )
    latest_value_text: str | None = Field(
        description="The figure exactly as published.", examples=["3.17"]
    )
    edition: str | None = Field(description="Edition of the figure.", examples=["2026-07"])
    source: str | None = Field(
        description="Source of the figure.", examples=["leave-the-gun-nato-defence-2026-extract"]
    )
    is_estimate: bool | None = Field(
        description="The edition marks the figure as an estimate.", examples=[True]
    )
    unit: str | None = Field(description="Unit as published.", examples=["% of GDP"])
    expenditure_definition: str | None = Field(
        description="What the figure measures: `nato_defence_expenditure` (NATO's definition "
        "before 2025) or `core_defence_expenditure` (the Hague definition, 2026-07).",
        examples=["core_defence_expenditure"],
    )
    constant_price_base_year: int | None = Field(
        description="The edition's constant-price base year (shares of GDP are at current "
        "prices; named so a comparison across editions can be judged).",
        examples=[2021],
    )
    shortfall_pp: float | None = Field(
        description="max(0, target - latest_value), percentage points, exact.", examples=[0.33]
    )
    shortfall_pp_text: str | None = Field(
        description="`shortfall_pp` as exact text.", examples=["0.33"]
    )
    years_left: int | None = Field(description="by - latest_year.", examples=[9])
    required_pp_per_year: float | None = Field(
        description="shortfall_pp / years_left, percentage points a year (computed).",
        examples=[0.036666666667],
    )
    required_pp_per_year_text: str | None = Field(
        description="`required_pp_per_year` as text: exact, or rounded (see the `_exact` flag).",
        examples=["0.036666666667"],
    )
    required_pp_per_year_exact: bool | None = Field(
        description="false when the quotient does not terminate and the text is rounded to "
        "`rule.quotient_places` places.",
        examples=[False],
    )
    pace_from_year: int | None = Field(
        description="latest_year - pace_years: the year the pace is measured from.",
        examples=[2023],
    )
    pace_from_value_text: str | None = Field(
        description="The same edition's figure of pace_from_year, as published; null when "
        "the edition has none.",
        examples=["3.15"],
    )
    pace_pp_per_year: float | None = Field(
        description="(latest_value - pace_from_value) / pace_years, percentage points a year "
        "(computed); null without pace_from_value.",
        examples=[0.006666666667],
    )
    pace_pp_per_year_text: str | None = Field(
        description="`pace_pp_per_year` as text: exact, or rounded (see the `_exact` flag).",
        examples=["0.006666666667"],
    )
    pace_pp_per_year_exact: bool | None = Field(
        description="false when the quotient does not terminate (rounded text).",
        examples=[False],
    )
    projected_year: int | None = Field(
        description="latest_year + ceil(shortfall_pp / pace_pp_per_year) when the pace is "
        "positive and the target not met; else null.",
        examples=[2076],
    )
    additional_usd_million: float | None = Field(
        description="target/100 * GDP (gdp_usd_current) - defence expenditure (usd_current) "
        "of the figure's own edition and year, million US dollars at current prices, as "
        "/v1/compliance's shortfall_usd_million; 0 when met; null when that edition lacks "
        "either figure.",
        examples=[106317.84],
    )
    additional_usd_million_text: str | None = Field(
        description="`additional_usd_million` as exact text.", examples=["106317.8400"]
    )
    reason: str | None = Field(
        description='Why there is no figure (no_data only; Iceland: "Iceland has no armed '
        'forces: no expenditure figures").',
        examples=[None],
    )

    @classmethod
    def from_pathway(cls, pathway: p.Pathway) -> PathwayItem:
        figure = pathway.figure
        required, required_text, required_exact = _computed(pathway.required)
        pace, pace_text, pace_exact = _computed(pathway.pace)
        return cls(
            ally=pathway.ally,
            name=pathway.name,
            status=pathway.status,
            latest_year=figure.year if figure else None,
            latest_value=number_or_none(figure.value) if figure else None,
            latest_value_text=figure.value if figure else None,
            edition=figure.edition if figure else None,
            source=figure.source if figure else None,
            is_estimate=figure.is_estimate if figure else None,
            unit=figure.unit if figure else None,
            expenditure_definition=figure.expenditure_definition if figure else None,
            constant_price_base_year=figure.price_base_year if figure else None,
            shortfall_pp=number_or_none(pathway.shortfall),
            shortfall_pp_text=text_or_none(pathway.shortfall),
            years_left=pathway.years_left,
            required_pp_per_year=required,
            required_pp_per_year_text=required_text,
            required_pp_per_year_exact=required_exact,
            pace_from_year=pathway.earlier_year,
            pace_from_value_text=figure.earlier_value if figure else None,
            pace_pp_per_year=pace,
            pace_pp_per_year_text=pace_text,
            pace_pp_per_year_exact=pace_exact,
            projected_year=pathway.projected_year,
            additional_usd_million=number_or_none(pathway.additional_usd_million),
            additional_usd_million_text=text_or_none(pathway.additional_usd_million),
            reason=pathway.reason,
        )


class PathwaySummaryRead(Schema):
    met: int = Field(description="Allies at or above the target.", examples=[5])
    on_track: int = Field(description="Allies whose pace reaches the target.", examples=[18])
    off_track: int = Field(description="Allies whose pace falls short.", examples=[8])
    insufficient_data: int = Field(description="Allies without a pace.", examples=[0])
    no_data: int = Field(description="Allies without a figure.", examples=[1])
    met_allies: list[str] = Field(description="ISO3 codes, in code order.", examples=[["EST"]])
    on_track_allies: list[str] = Field(description="ISO3 codes.", examples=[["DEU", "POL"]])
    off_track_allies: list[str] = Field(description="ISO3 codes.", examples=[["FRA", "USA"]])
    insufficient_data_allies: list[str] = Field(description="ISO3 codes.", examples=[[]])
    no_data_allies: list[str] = Field(description="ISO3 codes.", examples=[["ISL"]])
    additional_usd_million: float = Field(
        description="Sum of the items' additional_usd_million (exact), million US dollars at "
        "current prices of each figure's year; items without one are listed apart.",
        examples=[417348.055],
    )
    additional_usd_million_text: str = Field(
        description="The sum as exact text.", examples=["417348.0550"]
    )
    additional_usd_million_missing_allies: list[str] = Field(
        description="Allies with a figure but no additional_usd_million (their edition lacks "
        "spending or GDP at current prices): not in the sum.",
        examples=[[]],
    )
    editions: list[str] = Field(
        description="Editions of the figures decided.", examples=[["2026-07"]]
    )
    expenditure_definitions: list[str] = Field(
        description="Definitions of the figures decided; two means the answer mixes NATO's "
        "earlier definition with core defence expenditure (see each item and `note`).",
        examples=[["core_defence_expenditure"]],
    )
    note: str | None = Field(
        description="Set when the figures decided come from more than one edition or definition."
    )

    @classmethod
    def from_summary(cls, summary: p.PathwaySummary) -> PathwaySummaryRead:
        note = None
        if len(summary.editions) > 1:
            note = (
                f"the figures come from {len(summary.editions)} editions "
                f"({', '.join(summary.editions)}) and "
                f"{len(summary.expenditure_definitions)} expenditure definition(s) "
                f"({', '.join(summary.expenditure_definitions)}); each item names its own: "
                "counts and the sum combine them as listed"
            )
        return cls(
            **p.as_counts(summary),
            additional_usd_million=float(summary.additional_usd_million),
            additional_usd_million_text=decimal_text(summary.additional_usd_million),
            additional_usd_million_missing_allies=summary.additional_missing,
            editions=summary.editions,
            expenditure_definitions=summary.expenditure_definitions,
            note=note,
        )


class PathwaysRead(Schema):
    """Every ally's path to the target, the rule applied and a summary per status."""

    edition_rule: EditionRuleRead = Field(
        description="Which edition each figure comes from: `edition`, `as_of` or `latest`."
    )
    rule: PathwayRuleRead = Field(description="The target, deadline, pace window and rules.")
    summary: PathwaySummaryRead = Field(description="Counts and allies per status, and sums.")
    items: list[PathwayItem] = Field(description="One item per ally, in code order.")
    total: int = Field(description="Number of items.", examples=[32])

    @classmethod
    def from_result(cls, result: p.PathwaysResult) -> PathwaysRead:
        return cls(
            edition_rule=EditionRuleRead.from_rule(result.edition_rule),
            rule=PathwayRuleRead.from_rule(result.rule),
            summary=PathwaySummaryRead.from_summary(result.summary),
            items=[PathwayItem.from_pathway(item) for item in result.items],
            total=len(result.items),
        )


class PathPointRead(Schema):
    """One year: the published figure (the pathway's edition), the required path, the
    projection at the current pace."""

    year: int = Field(description="Year.", examples=[2027])
    published: float | None = Field(description="Published share of GDP, that edition.")
    published_text: str | None = Field(
        description="The published figure exactly as published.", examples=[None]
    )
    required: float | None = Field(
        description="latest_value + required_pp_per_year * (year - latest_year), from "
        "latest_year to `by` (computed).",
        examples=[3.206666666667],
    )
    required_text: str | None = Field(
        description="`required` as text (rounded to `rule.quotient_places` when it does not "
        "terminate).",
        examples=["3.206666666667"],
    )
    projected: float | None = Field(
        description="latest_value + pace_pp_per_year * (year - latest_year), a straight line "
        "at the current pace (computed); null without a pace.",
        examples=[3.176666666667],
    )
    projected_text: str | None = Field(
        description="`projected` as text (rounded as `required_text`).",
        examples=["3.176666666667"],
    )

    @classmethod
    def from_point(cls, point: p.PathPoint) -> PathPointRead:
        required, required_text, _ = _computed(point.required)
        projected, projected_text, _ = _computed(point.projected)
        return cls(
            year=point.year,
            published=number_or_none(point.published),
            published_text=point.published,
            required=required,
            required_text=required_text,
            projected=projected,
            projected_text=projected_text,
        )


class AllyPathwayRead(Schema):
    """One ally's pathway and its paths year by year."""

    edition_rule: EditionRuleRead = Field(
        description="Which edition each figure comes from: `edition`, `as_of` or `latest`."
    )
    rule: PathwayRuleRead = Field(description="The target, deadline, pace window and rules.")
    pathway: PathwayItem = Field(description="The ally's item, as in /v1/pathways.")
    items: list[PathPointRead] = Field(
        description="Year by year: the published series of the pathway's edition, then the "
        "required path and the projection from latest_year to `by`."
    )
    total: int = Field(description="Number of items.", examples=[22])

    @classmethod
    def from_result(cls, result: p.AllyPathway) -> AllyPathwayRead:
        return cls(
            edition_rule=EditionRuleRead.from_rule(result.edition_rule),
            rule=PathwayRuleRead.from_rule(result.rule),
            pathway=PathwayItem.from_pathway(result.pathway),
            items=[PathPointRead.from_point(point) for point in result.points],
            total=len(result.points),
        )
