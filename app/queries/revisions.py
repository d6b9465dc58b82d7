"""The rows behind revisions: one figure in every edition that has it, and the figures of two
editions side by side (analysis/revisions.py computes the changes and flips)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from app.analysis.compliance import Basis
from app.analysis.revisions import (
    ChangeSet,
    RevisionChain,
    RevisionRow,
    check_edition_pair,
    check_subject,
    compare_editions,
    flip_rule,
    revisions,
)
from app.errors import Unprocessable
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.editions_rule import check_edition
from app.queries.lookups import indicator_filter, select_ally_names, single_ally

# Built once: an alias copies every column of the table, which costs more than the query.
_OLD = aliased(Observation, name="old")
_NEW = aliased(Observation, name="new")


def _aggregate_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Aggregate.aggregate).distinct().order_by("aggregate")))


def select_revisions(
    session: Session,
    *,
    ally: str | None,
    aggregate: str | None,
    indicator: str,
    year: int,
) -> RevisionChain:
    """One figure across every edition that has it, oldest edition first."""
    check_subject(ally, aggregate)
    indicator_filter(session, [indicator])
    name: str | None = None
    if ally is not None:
        iso3 = single_ally(session, ally)
        name = session.scalar(select(Ally.name).where(Ally.iso3 == iso3))
        table: Any = Observation
        stmt: Any = select(
            Observation.value,
            Observation.unit,
            Observation.source_id,
            Observation.is_estimate,
            Observation.edition_id,
        ).where(Observation.ally_iso3 == iso3)
        qualifier = None
    else:
        codes = _aggregate_codes(session)
        if aggregate not in codes:
            raise Unprocessable(
                f"aggregate: {aggregate!r} is not an aggregate. Known: {', '.join(codes)}.",
                errors=[{"parameter": "aggregate", "in": "query", "message": "unknown"}],
            )
        iso3 = None
        table = Aggregate
        qualifier = Aggregate.qualifier
        stmt = select(
            Aggregate.value,
            Aggregate.unit,
            Aggregate.source_id,
            Aggregate.is_estimate,
            Aggregate.edition_id,
            Aggregate.qualifier,
        ).where(Aggregate.aggregate == aggregate)
    stmt = (
        stmt.add_columns(Edition.published_on, Edition.expenditure_definition)
        .join(Edition, Edition.id == table.edition_id)
        .where(table.indicator_id == indicator, table.year == year)
        .order_by(Edition.published_on, table.source_id)
    )
    rows = [
        RevisionRow(
            row.edition_id,
            row.published_on,
            row.expenditure_definition,
            row.value,
            row.qualifier if qualifier is not None else None,
            row.unit,
            row.source_id,
            row.is_estimate,
        )
        for row in session.execute(stmt)
    ]
    return RevisionChain(iso3, aggregate, name, indicator, year, revisions(rows))


def select_changes(
    session: Session,
    *,
    from_edition: str,
    to_edition: str,
    indicator: str | None,
    year: int | None,
    threshold: Decimal | None,
    basis: Basis,
) -> ChangeSet:
    """Every per-ally figure whose value differs between two editions, largest change first."""
    check_edition(session, from_edition, "from_edition")
    check_edition(session, to_edition, "to_edition")
    check_edition_pair(from_edition, to_edition)
    if indicator is not None:
        indicator_filter(session, [indicator])
    definitions = {
        row.id: row.expenditure_definition
        for row in session.execute(
            select(Edition.id, Edition.expenditure_definition).where(
                Edition.id.in_((from_edition, to_edition))
            )
        )
    }
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
    return compare_editions(
        session.execute(stmt).all(),
        select_ally_names(session),
        from_edition=from_edition,
        to_edition=to_edition,
        definitions=definitions,
        rule=flip_rule(indicator, threshold, basis),
    )
