"""The allies, each with its latest share of GDP, chosen and joined in one SQL statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.models import Ally, Edition, Observation
from app.queries.lookups import get_ally_iso3


def _latest_share_gdp() -> Any:
    """Per ally, the share of GDP of the newest edition that has one, for that edition's most
    recent year (one row per ally: an edition has one figure per ally and year)."""
    o = Observation
    rank = (
        func.row_number()
        .over(
            partition_by=o.ally_iso3,
            order_by=(Edition.published_on.desc(), o.year.desc(), o.source_id.asc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            o.ally_iso3,
            o.value_num,
            o.value,
            o.year,
            o.edition_id,
            o.is_estimate,
            o.source_id,
            Edition.expenditure_definition,
            rank,
        )
        .join(Edition, Edition.id == o.edition_id)
        .where(o.indicator_id == "share_gdp")
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1).subquery("latest")


def _allies_stmt() -> Any:
    latest = _latest_share_gdp()
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
            latest.c.value_num.label("latest_share_gdp"),
            latest.c.value.label("latest_share_gdp_text"),
            latest.c.year.label("latest_share_gdp_year"),
            latest.c.edition_id.label("latest_share_gdp_edition"),
            latest.c.is_estimate.label("latest_share_gdp_is_estimate"),
            latest.c.source_id.label("latest_share_gdp_source"),
            latest.c.expenditure_definition.label("latest_share_gdp_expenditure_definition"),
            Ally.notes,
        )
        .outerjoin(latest, latest.c.ally_iso3 == Ally.iso3)
        .order_by(Ally.iso3)
    )


def select_allies(session: Session) -> list[Row[Any]]:
    """All allies by ISO3, with the attributes of AllyRead."""
    return list(session.execute(_allies_stmt()))


def select_ally(session: Session, *, code: str) -> Row[Any]:
    """One ally by ISO3 or ISO2 in any case; 404 with close matches when unknown."""
    iso3 = get_ally_iso3(session, code)
    return session.execute(_allies_stmt().where(Ally.iso3 == iso3)).one()
