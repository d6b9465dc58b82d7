"""The data of the SVG charts: one ranked year under an edition rule, one ally's series
edition by edition, and which editions measure core spending (from editions' definitions)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule, check_edition, core_editions
from app.errors import Unprocessable
from app.queries import charts as q
from app.queries.charts import IndicatorInfo, RankedRow, SeriesRow
from app.queries.editions_rule import edition_ids, select_definitions
from app.queries.lookups import get_ally_iso3, indicator_filter

COMPLIANCE_INDICATOR = q.COMPLIANCE_INDICATOR


@dataclass(frozen=True)
class RankedYear:
    """Every ally's share of GDP in one year under an edition rule."""

    year: int
    indicator: IndicatorInfo
    rows: list[RankedRow]
    core_editions: frozenset[str]  # editions measuring core defence expenditure


@dataclass(frozen=True)
class AllySeries:
    """One ally's series of one indicator, edition by edition."""

    iso3: str
    name: str
    indicator: IndicatorInfo
    editions: list[str]  # the editions asked for; empty: every edition with figures
    rows: list[SeriesRow]
    core_editions: frozenset[str]  # editions measuring core defence expenditure


def select_core_editions(session: Session) -> frozenset[str]:
    """Editions that measure core defence expenditure, by editions.expenditure_definition."""
    return core_editions(select_definitions(session))


def ranked(session: Session, *, rule: EditionRule, year: int | None) -> RankedYear:
    """The ranked year (default: the newest year with figures under `rule`)."""
    indicator = q.select_indicator(session, COMPLIANCE_INDICATOR)
    if year is None:
        year = q.select_latest_year(session, rule=rule, indicator=indicator.id)
        if year is None:
            raise Unprocessable(
                f"No per-ally share of GDP is published under {rule.describe()}; pick another "
                "edition (see /v1/editions).",
                errors=[{"parameter": "edition", "in": "query", "message": "no figures"}],
            )
    rows = q.select_ranked_year(session, year=year, rule=rule, indicator=indicator.id)
    return RankedYear(year, indicator, rows, select_core_editions(session))


def ally_series(
    session: Session, *, ally: str, indicator: str, editions: list[str] | None
) -> AllySeries:
    """One ally's series of one indicator in the editions asked for (repeated or comma-joined)."""
    iso3 = get_ally_iso3(session, ally)
    if indicator_filter(session, [indicator]) != [indicator]:
        # An empty or comma-separated value names no single indicator (it was a 500).
        raise Unprocessable(
            f"indicator: {indicator[:40]!r} is not one indicator id; give one, e.g. share_gdp "
            "(see /v1/indicators).",
            errors=[{"parameter": "indicator", "in": "query", "message": "one indicator id"}],
        )
    info = q.select_indicator(session, indicator)
    chosen = [e.strip() for value in editions or [] for e in value.split(",") if e.strip()]
    if editions is not None and not chosen:
        raise Unprocessable(
            "edition: empty; name one or more editions, e.g. edition=2024-06&edition=2026-07, "
            "or leave it out for every edition.",
            errors=[{"parameter": "edition", "in": "query", "message": "empty"}],
        )
    for edition in chosen:
        check_edition(edition, edition_ids(session))
    rows = q.select_ally_series(session, iso3=iso3, indicator=indicator, editions=chosen)
    name = q.select_ally_name(session, iso3)
    return AllySeries(iso3, name, info, chosen, rows, select_core_editions(session))
