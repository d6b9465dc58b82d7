"""Response models of the catalogue: /v1/indicators, /v1/editions and /v1/sources."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.schemas import Schema


class IndicatorRead(Schema):
    """An indicator: what a figure measures, its canonical unit and coverage by edition."""

    id: str = Field(description="Indicator id, used in `indicator=`.", examples=["share_gdp"])
    name: str = Field(
        description="Name of the indicator.", examples=["Defence expenditure as share of GDP"]
    )
    unit: str = Field(
        description="Canonical unit; each figure's own `unit` is authoritative.",
        examples=["% of GDP"],
    )
    description: str = Field(
        description="What the indicator measures.",
        examples=["Defence spending divided by gross domestic product, in per cent."],
    )
    notes: str | None = Field(
        description="Price base and coverage by edition.",
        examples=["2024-06: NATO's 'share of real GDP', computed from 2015-price series."],
    )
    editions: list[str] = Field(
        description="Editions with per-ally figures of this indicator, oldest first (in CSV: "
        "space-separated). Empty for indicators published only as group aggregates.",
        examples=[["2024-03", "2024-06", "2025-04", "2025-08", "2026-07"]],
    )
    observations: int = Field(
        description="Number of per-ally figures of this indicator, all editions.", examples=[1164]
    )


class EditionRead(Schema):
    """A report edition: when it was published, what it covers and how it defines spending."""

    id: str = Field(description="Edition id (YYYY-MM of publication).", examples=["2024-06"])
    title: str = Field(
        description="Title of the publication.",
        examples=["Defence Expenditure of NATO Countries (2014-2024)"],
    )
    publisher: str = Field(description="Who published the edition.", examples=["NATO"])
    published_on: dt.date = Field(description="Publication date.", examples=["2024-06-17"])
    data_cutoff_on: dt.date | None = Field(
        description="Data cut-off date, where published.", examples=["2024-06-12"]
    )
    kind: str = Field(
        description="`expenditure_report`, `annual_report` or `press_statement`.",
        examples=["expenditure_report"],
    )
    constant_price_base_year: int | None = Field(
        description="Base year of the edition's constant prices (never compare constant-price "
        "figures across editions with different bases).",
        examples=[2015],
    )
    estimate_years: list[int] = Field(
        description="Years the edition marks as estimates (in CSV: space-separated).",
        examples=[[2023, 2024]],
    )
    official_tables_available: bool = Field(
        description="True only when the per-ally figures come from NATO's own file.",
        examples=[True],
    )
    expenditure_definition: str = Field(
        description="`nato_defence_expenditure` (up to 2025-08) or `core_defence_expenditure` "
        "(2026-07, the 2025 Hague definition).",
        examples=["nato_defence_expenditure"],
    )
    notes: str | None = Field(
        description="Provenance of the edition's figures.",
        examples=["All per-ally tables from an unmodified copy of NATO's Excel workbook."],
    )
    observations: int = Field(
        description="Number of per-ally figures from this edition.", examples=[5179]
    )


class SourceRead(Schema):
    """A source the figures were read from, with the researcher's trust rating."""

    id: str = Field(
        description="Source id, as in each figure's `source`.", examples=["nato-def-exp-2024-xlsx"]
    )
    title: str = Field(
        description="Descriptive title (for web pages, written from the URL and content).",
        examples=[
            "Defence Expenditure of NATO Countries (2014-2024): Excel tables "
            "240617-def-exp-2024-TABLES-en.xlsx"
        ],
    )
    url: str | None = Field(
        description="URL as cited; null where only a stored copy was read.",
        examples=[
            "https://knews.media/2025/04/25/nato-publishes-a-report-for-2024-surprising-data-on-expenses/"
        ],
    )
    publisher: str = Field(
        description="Publisher or outlet.",
        examples=["NATO International Staff (unmodified copy in GitHub repository)"],
    )
    kind: str = Field(
        description="Kind of source (official_nato_file, official_nato_web, news_report, ...).",
        examples=["official_nato_file"],
    )
    trust: str = Field(
        description="Researcher's rating: high, medium-high, medium, medium-low or low.",
        examples=["high"],
    )
    notes: str | None = Field(description="What was taken, and caveats.", examples=[None])
    observations: int = Field(
        description="Number of per-ally figures read from this source.", examples=[5179]
    )
