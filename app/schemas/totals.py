"""Response models of /v1/totals, copied from the analysis of group totals."""

from __future__ import annotations

from pydantic import Field

from app.analysis import totals as t
from app.analysis.decimals import number_or_none, text_or_none
from app.analysis.editions import EditionRule
from app.schemas import EditionRuleRead, Schema


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
