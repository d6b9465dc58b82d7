"""The rows behind revisions: one figure in every edition that has it, and the figures of two
editions side by side (app/reports/revisions.py has analysis/revisions.py compute the
changes and flips)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from app.models import Aggregate, Ally, Edition, Indicator, Observation

# Built once: an alias copies every column of the table, which costs more than the query.
_OLD = aliased(Observation, name="old")
_NEW = aliased(Observation, name="new")


def select_aggregate_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Aggregate.aggregate).distinct().order_by("aggregate")))


def select_ally_name(session: Session, iso3: str) -> str | None:
    return session.scalar(select(Ally.name).where(Ally.iso3 == iso3))


def select_chain(
    session: Session, *, iso3: str | None, aggregate: str | None, indicator: str, year: int
) -> list[tuple[Any, ...]]:
    """One ally's (or else one aggregate's) figure in every edition that has it, oldest
    edition first, in analysis RevisionRow's field order."""
    table: Any
    stmt: Any
    if iso3 is not None:
        table = Observation
        stmt = select(
            Observation.value,
            Observation.unit,
            Observation.source_id,
            Observation.is_estimate,
            Observation.edition_id,
        ).where(Observation.ally_iso3 == iso3)
    else:
        table = Aggregate
        stmt = select(
            Aggregate.value,
            Aggregate.unit,
            Aggregate.source_id,
            Aggregate.is_estimate,
            Aggregate.edition_id,
            Aggregate.qualifier,
        ).where(Aggregate.aggregate == aggregate)
    stmt = (
        stmt.add_columns(
            Edition.published_on,
            Edition.expenditure_definition,
            Edition.constant_price_base_year,
        )
        .join(Edition, Edition.id == table.edition_id)
        .where(table.indicator_id == indicator, table.year == year)
        .order_by(Edition.published_on, table.source_id)
    )
    return [
        (
            row.edition_id,
            row.published_on,
            row.expenditure_definition,
            row.value,
            row.qualifier if iso3 is None else None,
            row.unit,
            row.source_id,
            row.is_estimate,
            row.constant_price_base_year,
        )
        for row in session.execute(stmt)
    ]


def select_indicator_units(session: Session) -> dict[str, str]:
    """{indicator: its canonical unit} (the unit says whether it is at constant prices)."""
    return {row.id: row.unit for row in session.execute(select(Indicator.id, Indicator.unit))}


def select_price_bases_of(session: Session, editions: Sequence[str]) -> dict[str, int | None]:
    """{edition: its constant-price base year (None: not stated)} of `editions`."""
    return {
        row.id: row.constant_price_base_year
        for row in session.execute(
            select(Edition.id, Edition.constant_price_base_year).where(Edition.id.in_(editions))
        )
    }


def select_definitions_of(session: Session, editions: Sequence[str]) -> dict[str, str]:
    """{edition: expenditure definition} of `editions`."""
    return {
        row.id: row.expenditure_definition
        for row in session.execute(
            select(Edition.id, Edition.expenditure_definition).where(Edition.id.in_(editions))
        )
    }


def select_changes(
    session: Session,
    *,
    from_edition: str,
    to_edition: str,
    indicator: str | None,
    year: int | None,
) -> Sequence[Sequence[Any]]:
    """(ally, indicator, year, from value, from source, to value, to source) of every per-ally
    figure present in both editions."""
    old, new = _OLD, _NEW
    stmt = (
        select(
            old.ally_iso3,
            old.indicator_id,
            old.year,
            old.value.label("from_value"),
            old.source_id.label("from_source"),
            new.value.label("to_value"),
            new.source_id.label("to_source"),
        )
        .join(
            new,
            and_(
                new.indicator_id == old.indicator_id,
                new.ally_iso3 == old.ally_iso3,
                new.year == old.year,
                new.edition_id == to_edition,
            ),
        )
        .where(old.edition_id == from_edition)
        .order_by(old.indicator_id, old.year, old.ally_iso3)
    )
    if indicator is not None:
        stmt = stmt.where(old.indicator_id == indicator)
    if year is not None:
        stmt = stmt.where(old.year == year)
    return session.execute(stmt).all()
