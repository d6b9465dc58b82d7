"""The allies, each with its latest share of GDP, chosen and joined in one SQL statement; their
French names from the code table app/names_fr.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.models import Ally, Edition, Observation
from app.names_fr import french_name
from app.queries.lookups import get_ally_iso3


def _latest_share_gdp() -> Any:
    """Per ally, the id of its share of GDP of the newest edition that has one, for that
    edition's most recent year: one index seek per ally (a correlated subquery, no window).

    Only rows in force (superseded_on IS NULL) can be that figure: a newer edition with the
    same year would be newer still. The filter narrows the seek, not the answer."""
    o = Observation
    return (
        select(o.id)
        .where(
            o.ally_iso3 == Ally.iso3,
            o.indicator_id == "share_gdp",
            o.superseded_on.is_(None),
        )
        .order_by(o.published_on.desc(), o.year.desc(), o.source_id.asc())
        .limit(1)
        .correlate(Ally)
        .scalar_subquery()
    )


def _allies_stmt() -> Any:
    o = Observation
    return (
        select(
            Ally.iso3,
            Ally.iso2,
            Ally.iso_numeric,
            Ally.name,
            Ally.iso_name,
            Ally.accession_year,
            Ally.accession_date,
            Ally.region,
            Ally.currency_iso4217.label("currency"),
            Ally.nato_currency_label,
            Ally.in_expenditure_tables,
            Ally.national_2pct_commitment_2024_06,
            o.value_num.label("latest_share_gdp"),
            o.value.label("latest_share_gdp_text"),
            o.year.label("latest_share_gdp_year"),
            o.edition_id.label("latest_share_gdp_edition"),
            o.is_estimate.label("latest_share_gdp_is_estimate"),
            o.source_id.label("latest_share_gdp_source"),
            Edition.expenditure_definition.label("latest_share_gdp_expenditure_definition"),
            Ally.notes,
        )
        .outerjoin(o, o.id == _latest_share_gdp())
        .outerjoin(Edition, Edition.id == o.edition_id)
        .order_by(Ally.iso3)
    )


def _with_french_name(row: Row[Any]) -> dict[str, Any]:
    return {**row._mapping, "name_fr": french_name(row.iso3)}


def select_allies(session: Session) -> list[dict[str, Any]]:
    """All allies by ISO3, with the attributes of AllyRead."""
    return [_with_french_name(row) for row in session.execute(_allies_stmt())]


def select_ally(session: Session, *, code: str) -> dict[str, Any]:
    """One ally by ISO3 or ISO2 in any case; 404 with close matches when unknown."""
    iso3 = get_ally_iso3(session, code)
    return _with_french_name(session.execute(_allies_stmt().where(Ally.iso3 == iso3)).one())
