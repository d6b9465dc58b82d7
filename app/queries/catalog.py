"""The catalogue: indicators, editions and sources, each with its figure counts from SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, exists, func, select, true
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import Edition, Indicator, Observation, Source
from app.queries.lookups import check_indicator, check_source, suggest


def _count_by(column: Any) -> Any:
    return (
        select(column.label("key"), func.count().label("observations")).group_by(column).subquery()
    )


def _indicators_stmt() -> Any:
    counts = _count_by(Observation.indicator_id)
    return (
        select(
            Indicator.id,
            Indicator.name,
            Indicator.unit,
            Indicator.description,
            Indicator.notes,
            func.coalesce(counts.c.observations, 0).label("observations"),
        )
        .outerjoin(counts, counts.c.key == Indicator.id)
        .order_by(Indicator.id)
    )


def _editions_by_indicator(
    session: Session, indicator_id: str | None = None
) -> dict[str, list[str]]:
    """Per indicator, the editions that publish it, oldest first: one index probe per
    (indicator, edition) pair instead of grouping every figure."""
    o = Observation
    published = exists().where(o.indicator_id == Indicator.id, o.edition_id == Edition.id)
    stmt = (
        select(Indicator.id, Edition.id)
        .join_from(Indicator, Edition, true())
        .where(published)
        .order_by(Indicator.id, Edition.published_on)
    )
    if indicator_id is not None:
        stmt = stmt.where(Indicator.id == indicator_id)
    editions: dict[str, list[str]] = {}
    for indicator, edition in session.execute(stmt):
        editions.setdefault(indicator, []).append(edition)
    return editions


def select_indicators(session: Session) -> list[dict[str, Any]]:
    """Every indicator by id, with its editions (oldest first) and its number of figures."""
    editions = _editions_by_indicator(session)
    return [
        {**row._asdict(), "editions": editions.get(row.id, [])}
        for row in session.execute(_indicators_stmt())
    ]


def select_indicator(session: Session, *, indicator_id: str) -> dict[str, Any]:
    """One indicator; 404 with close matches when unknown."""
    row = session.execute(_indicators_stmt().where(Indicator.id == indicator_id)).first()
    if row is None:
        check_indicator(session, indicator_id)
    assert row is not None
    editions = _editions_by_indicator(session, indicator_id)
    return {**row._asdict(), "editions": editions.get(indicator_id, [])}


def _editions_stmt() -> Any:
    counts = _count_by(Observation.edition_id)
    return (
        select(
            Edition.id,
            Edition.title,
            Edition.publisher,
            Edition.published_on,
            Edition.data_cutoff_on,
            Edition.kind,
            Edition.constant_price_base_year,
            Edition.estimate_years,
            Edition.official_tables_available,
            Edition.expenditure_definition,
            Edition.notes,
            func.coalesce(counts.c.observations, 0).label("observations"),
        )
        .outerjoin(counts, counts.c.key == Edition.id)
        .order_by(Edition.published_on)
    )


def _edition_dict(row: Row[Any]) -> dict[str, Any]:
    # estimate_years is stored as in editions.csv ("2023 2024"); served as a list of years.
    return {**row._asdict(), "estimate_years": [int(y) for y in row.estimate_years.split()]}


def select_editions(session: Session) -> list[dict[str, Any]]:
    """Every edition, oldest publication first."""
    return [_edition_dict(row) for row in session.execute(_editions_stmt())]


def select_edition(session: Session, *, edition_id: str) -> dict[str, Any]:
    """One edition; 404 with close matches when unknown."""
    row = session.execute(_editions_stmt().where(Edition.id == edition_id)).first()
    if row is None:
        known = list(session.scalars(select(Edition.id).order_by(Edition.published_on)))
        raise NotFound(f"No edition {edition_id!r}.{suggest(edition_id, known)} See /v1/editions.")
    return _edition_dict(row)


def _sources_stmt() -> Any:
    counts = _count_by(Observation.source_id)
    return (
        select(
            Source.id,
            Source.title,
            Source.url,
            Source.publisher,
            Source.kind,
            Source.trust,
            Source.notes,
            func.coalesce(counts.c.observations, 0).label("observations"),
        )
        .outerjoin(counts, counts.c.key == Source.id)
        .order_by(Source.id)
    )


def select_sources(session: Session) -> list[Row[Any]]:
    """Every source by id, with the number of figures read from it."""
    return list(session.execute(_sources_stmt()))


def select_source(session: Session, *, source_id: str) -> Row[Any]:
    """One source; 404 with close matches when unknown."""
    row = session.execute(_sources_stmt().where(Source.id == source_id)).first()
    if row is None:
        check_source(session, source_id)
    assert row is not None
    return row
