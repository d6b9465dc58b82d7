"""Response models of /v1/allies: the 32 allies and each one's latest share of GDP."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from app.schemas import Schema

LATEST_RULE = (
    "Latest share of GDP: per ally, the newest edition (by publication date) that has any "
    "share-of-GDP figure for the ally, and in that edition the most recent year it has for "
    "the ally (often an estimate; see `latest_share_gdp_is_estimate`). Null for Iceland, "
    "which has no expenditure figures."
)


class AllyRead(Schema):
    """A NATO ally and its latest published share of GDP (with that figure's year and edition)."""

    iso3: str = Field(description="ISO 3166 alpha-3 code.", examples=["POL"])
    iso2: str = Field(description="ISO 3166 alpha-2 code.", examples=["PL"])
    iso_numeric: str = Field(
        description="ISO 3166 numeric code, 3 digits with leading zeros kept.", examples=["616"]
    )
    name: str = Field(description="NATO's short English name.", examples=["Poland"])
    name_fr: str = Field(
        description="NATO's short French name (NATO's second official language).",
        examples=["Pologne"],
    )
    iso_name: str = Field(description="Name in the ISO 3166 list used.", examples=["Poland"])
    accession_year: int = Field(description="Year the ally joined NATO.", examples=[1999])
    accession_date: dt.date | None = Field(
        description="Day the ally joined, where a source gave it (founding members: the "
        "treaty signature date).",
        examples=[None],
    )
    region: str = Field(description="`europe` or `north_america`.", examples=["europe"])
    currency: str | None = Field(
        description="ISO 4217 code of the national currency; null for Iceland.",
        examples=["PLN"],
    )
    nato_currency_label: str | None = Field(
        description="Currency as NATO's tables name it.", examples=["Zlotys"]
    )
    in_expenditure_tables: bool = Field(
        description="False only for Iceland, which has no armed forces and no expenditure figures.",
        examples=[True],
    )
    national_2pct_commitment_2024_06: bool | None = Field(
        description="Marked * in the June 2024 tables: a national law or political agreement "
        "calling for at least 2% of GDP; null for Iceland.",
        examples=[True],
    )
    latest_share_gdp: float | None = Field(
        description=f"{LATEST_RULE} Exactly the published figure, never rounded.",
        examples=[4.68],
    )
    latest_share_gdp_text: str | None = Field(
        description="The latest share of GDP exactly as published.", examples=["4.68"]
    )
    latest_share_gdp_year: int | None = Field(
        description="Year of the latest share of GDP.", examples=[2026]
    )
    latest_share_gdp_edition: str | None = Field(
        description="Edition of the latest share of GDP.", examples=["2026-07"]
    )
    latest_share_gdp_is_estimate: bool | None = Field(
        description="Whether that edition marks the latest share of GDP as an estimate.",
        examples=[True],
    )
    latest_share_gdp_source: str | None = Field(
        description="Source id of the latest share of GDP.",
        examples=["leave-the-gun-nato-defence-2026-extract"],
    )
    latest_share_gdp_expenditure_definition: str | None = Field(
        description="Definition of defence expenditure in that edition "
        "(`core_defence_expenditure` for 2026-07).",
        examples=["core_defence_expenditure"],
    )
    notes: str | None = Field(description="Remarks on the ally's metadata.", examples=[None])
