"""The rows behind the SVG charts: one year's figure of every ally under an edition rule, one
ally's series edition by edition, an indicator's name and unit (app/reports/charts.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.models import Ally, Edition, Indicator, Observation
from app.queries.editions_rule import in_force

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
