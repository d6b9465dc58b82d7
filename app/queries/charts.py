"""The figures behind the SVG charts: one ranked year under an edition rule, one ally's
series edition by edition."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.errors import Unprocessable
from app.models import Ally, Edition, Indicator, Observation
from app.queries.editions_rule import check_edition, in_force
from app.queries.lookups import get_ally_iso3, indicator_filter

COMPLIANCE_INDICATOR = "share_gdp"


@dataclass(frozen=True)
class RankedRow:
    iso3: str
    name: str
    value_text: str | None
    edition: str | None
    source: str | None
    unit: str | None
    is_estimate: bool


@dataclass(frozen=True)
class SeriesRow:
    edition: str
    year: int
    value_text: str
    is_estimate: bool
    source: str
    unit: str


@dataclass(frozen=True)
class IndicatorInfo:
    id: str
    name: str
    unit: str


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


def select_ranked(session: Session, *, rule: EditionRule, year: int | None) -> RankedYear:
    """The ranked year (default: the newest year with figures under `rule`)."""
    indicator = select_indicator(session, COMPLIANCE_INDICATOR)
    if year is None:
        year = select_latest_year(session, rule=rule, indicator=indicator.id)
        if year is None:
            raise Unprocessable(
                f"No per-ally share of GDP is published under {rule.describe()}; pick another "
                "edition (see /v1/editions).",
                errors=[{"parameter": "edition", "in": "query", "message": "no figures"}],
            )
    rows = select_ranked_year(session, year=year, rule=rule, indicator=indicator.id)
    return RankedYear(year, indicator, rows, select_core_editions(session))


def select_core_editions(session: Session) -> frozenset[str]:
    """Editions that measure core defence expenditure (the 2025 Hague definition)."""
    stmt = select(Edition.id).where(Edition.expenditure_definition == "core_defence_expenditure")
    return frozenset(session.scalars(stmt))


def select_ally_chart(
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
    info = select_indicator(session, indicator)
    chosen = [e.strip() for value in editions or [] for e in value.split(",") if e.strip()]
    if editions is not None and not chosen:
        raise Unprocessable(
            "edition: empty; name one or more editions, e.g. edition=2024-06&edition=2026-07, "
            "or leave it out for every edition.",
            errors=[{"parameter": "edition", "in": "query", "message": "empty"}],
        )
    rows = select_ally_series(session, iso3=iso3, indicator=indicator, editions=chosen)
    name = select_ally_name(session, iso3)
    return AllySeries(iso3, name, info, chosen, rows, select_core_editions(session))


def select_latest_year(session: Session, *, rule: EditionRule, indicator: str) -> int | None:
    """The newest year with a figure of `indicator` under `rule` (None if there is none)."""
    o = Observation
    stmt = select(func.max(o.year)).where(o.indicator_id == indicator, in_force(rule, o))
    return session.execute(stmt).scalar_one_or_none()


def select_ranked_year(
    session: Session, *, year: int, rule: EditionRule, indicator: str = COMPLIANCE_INDICATOR
) -> list[RankedRow]:
    """Every ally with its figure for `year` under `rule`, or None where none was published."""
    o = Observation
    stmt = (
        select(
            Ally.iso3,
            Ally.name,
            o.value,
            o.edition_id,
            o.source_id,
            o.unit,
            o.is_estimate,
        )
        .outerjoin(
            o,
            and_(
                o.ally_iso3 == Ally.iso3,
                o.indicator_id == indicator,
                o.year == year,
                in_force(rule, o),
            ),
        )
        .order_by(Ally.iso3, o.edition_id, o.source_id)
    )
    return [
        RankedRow(
            iso3=row.iso3,
            name=row.name,
            value_text=row.value,
            edition=row.edition_id,
            source=row.source_id,
            unit=row.unit,
            is_estimate=bool(row.is_estimate),
        )
        for row in session.execute(stmt)
    ]


def select_indicator(session: Session, indicator: str) -> IndicatorInfo:
    row = session.execute(
        select(Indicator.id, Indicator.name, Indicator.unit).where(Indicator.id == indicator)
    ).one()
    return IndicatorInfo(id=row.id, name=row.name, unit=row.unit)


def select_ally_name(session: Session, iso3: str) -> str:
    return session.execute(select(Ally.name).where(Ally.iso3 == iso3)).scalar_one()


def select_ally_series(
    session: Session, *, iso3: str, indicator: str, editions: list[str]
) -> list[SeriesRow]:
    """One ally's figures of `indicator`, kept apart by edition (all editions when empty).

    Editions are never merged: each row keeps its edition, ordered by publication date.
    """
    for edition in editions:
        check_edition(session, edition)
    stmt = (
        select(
            Observation.edition_id,
            Observation.year,
            Observation.value,
            Observation.is_estimate,
            Observation.source_id,
            Observation.unit,
        )
        .join(Edition, Edition.id == Observation.edition_id)
        .where(Observation.ally_iso3 == iso3, Observation.indicator_id == indicator)
        .order_by(Edition.published_on, Observation.year, Observation.source_id)
    )
    if editions:
        stmt = stmt.where(Observation.edition_id.in_(editions))
    return [
        SeriesRow(
            edition=row.edition_id,
            year=row.year,
            value_text=row.value,
            is_estimate=row.is_estimate,
            source=row.source_id,
            unit=row.unit,
        )
        for row in session.execute(stmt)
    ]
