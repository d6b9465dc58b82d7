"""Response models of /v1/observations and /v1/allies/{ally}/series: one item per figure."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.schemas import EditionRuleRead, Page, Schema


class ObservationRead(Schema):
    """One published per-ally figure, with the edition and the source it comes from."""

    indicator: str = Field(description="Indicator id (see /v1/indicators).", examples=["share_gdp"])
    ally: str = Field(description="ISO 3166 alpha-3 code of the ally.", examples=["POL"])
    year: int = Field(description="Year the figure is about.", examples=[2024])
    value: float | None = Field(
        description="The published figure as a JSON number, exactly the published decimal "
        "(never rounded); null when unknown, never 0.",
        examples=[4.120190989357147],
    )
    value_text: str | None = Field(
        description="The figure's text exactly as published (keeps trailing zeros, e.g. "
        '"2.00"); use it, not `value`, for exact decimal arithmetic.',
        examples=["4.120190989357147"],
    )
    unit: str = Field(
        description="Unit of this figure as published; it can differ between editions "
        "(price base, definition).",
        examples=['% of GDP (NATO "share of real GDP", based on 2015 prices)'],
    )
    edition: str = Field(
        description="Edition the figure comes from (see /v1/editions).", examples=["2024-06"]
    )
    is_estimate: bool = Field(
        description="True when the edition marks this year as an estimate.", examples=[True]
    )
    source: str = Field(
        description="Id of the source the figure was read from (see /v1/sources).",
        examples=["nato-def-exp-2024-xlsx"],
    )
    notes: str | None = Field(description="Remarks specific to this figure.", examples=[None])
    ally_name: str = Field(
        description="NATO's short English name of the ally.", examples=["Poland"]
    )
    edition_published_on: dt.date = Field(
        description="Publication date of the figure's edition.", examples=["2024-06-17"]
    )
    expenditure_definition: str = Field(
        description="Definition of defence expenditure in the figure's edition: "
        "`nato_defence_expenditure` (up to 2025-08) or `core_defence_expenditure` (2026-07, "
        "the 2025 Hague definition). Check it before comparing figures across editions.",
        examples=["nato_defence_expenditure"],
    )


class ObservationPage(Page[ObservationRead]):
    """One page of figures, and the edition rule that chose them."""

    edition_rule: EditionRuleRead = Field(
        description="Which edition each figure comes from: `edition`, `as_of` or `latest`."
    )
