"""How a figure was revised from edition to edition, and what changed between two editions.

Changes are exact decimal differences of the published texts. Where one edition has a figure
from two sources, both rows are returned with their sources (never silently one of them) and
no change is computed across that edition.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from app.errors import BadRequest, Unprocessable
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.compliance import (
    COMPLIANCE_INDICATORS,
    GUIDELINES,
    Basis,
    compared_value,
    published_value,
    select_ally_names,
)
from app.queries.editions_rule import check_edition
from app.queries.lookups import indicator_filter, single_ally


@dataclass(frozen=True)
class Revision:
    edition: str
    published_on: dt.date
    definition: str
    definition_changed: bool
    value: str | None
    qualifier: str | None
    unit: str
    source: str
    is_estimate: bool
    change: Decimal | None
    change_published: Decimal | None
    sources_in_edition: int


@dataclass(frozen=True)
class RevisionChain:
    ally: str | None
    aggregate: str | None
    name: str | None
    items: list[Revision]


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
    if (ally is None) == (aggregate is None):
        raise BadRequest(
            "Give exactly one of `ally` (an ISO code, e.g. USA) or `aggregate` (e.g. NATO_TOTAL)."
        )
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
    rows = session.execute(stmt).all()
    per_edition = Counter(row.edition_id for row in rows)
    items: list[Revision] = []
    previous: Any = None
    for row in rows:
        change = change_published = None
        definition_changed = False
        if previous is not None and previous.edition_id != row.edition_id:
            definition_changed = previous.expenditure_definition != row.expenditure_definition
        elif previous is not None:
            definition_changed = items[-1].definition_changed
        single = per_edition[row.edition_id] == 1
        if (
            previous is not None
            and previous.edition_id != row.edition_id
            and single
            and per_edition[previous.edition_id] == 1
            and row.value is not None
            and previous.value is not None
        ):
            now, before = Decimal(row.value), Decimal(previous.value)
            change = now - before
            change_published = published_value(now) - published_value(before)
        items.append(
            Revision(
                edition=row.edition_id,
                published_on=row.published_on,
                definition=row.expenditure_definition,
                definition_changed=definition_changed,
                value=row.value,
                qualifier=row.qualifier if qualifier is not None else None,
                unit=row.unit,
                source=row.source_id,
                is_estimate=row.is_estimate,
                change=change,
                change_published=change_published,
                sources_in_edition=per_edition[row.edition_id],
            )
        )
        previous = row
    return RevisionChain(ally=iso3, aggregate=aggregate, name=name, items=items)


@dataclass(frozen=True)
class Change:
    ally: str
    name: str
    indicator: str
    year: int
    from_value: str
    from_source: str
    to_value: str
    to_source: str
    change: Decimal


@dataclass(frozen=True)
class Flip:
    ally: str
    name: str
    year: int
    from_value: str
    to_value: str
    from_meets: bool
    to_meets: bool


@dataclass(frozen=True)
class ChangeSet:
    from_definition: str
    to_definition: str
    changes: list[Change]
    flips: list[Flip]
    flip_indicator: str | None
    threshold: Decimal | None


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
    if from_edition == to_edition:
        raise Unprocessable(
            "from_edition and to_edition are the same edition: nothing can have changed.",
            errors=[{"parameter": "to_edition", "in": "query", "message": "same edition"}],
        )
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
    names = select_ally_names(session)
    rows = session.execute(stmt).all()
    changes = [
        Change(
            ally=row.ally_iso3,
            name=names[row.ally_iso3],
            indicator=row.indicator_id,
            year=row.year,
            from_value=row.from_value,
            from_source=row.from_source,
            to_value=row.to_value,
            to_source=row.to_source,
            change=Decimal(row.to_value) - Decimal(row.from_value),
        )
        for row in rows
    ]
    # Exact comparison of the numbers: "2.0" and "2.00" are the same figure, not a change.
    changes = [c for c in changes if c.change != 0]
    changes.sort(key=lambda c: (-abs(c.change), c.indicator, c.year, c.ally))

    flip_on = indicator or "share_gdp"
    flip_indicator: str | None = flip_on
    limit = threshold if threshold is not None else GUIDELINES.get(flip_on)
    flips: list[Flip] = []
    if limit is not None and flip_on in COMPLIANCE_INDICATORS:
        for row in rows:
            if row.indicator_id != flip_on:
                continue
            before = compared_value(Decimal(row.from_value), basis) >= limit
            after = compared_value(Decimal(row.to_value), basis) >= limit
            if before != after:
                flips.append(
                    Flip(
                        row.ally_iso3,
                        names[row.ally_iso3],
                        row.year,
                        row.from_value,
                        row.to_value,
                        before,
                        after,
                    )
                )
        flips.sort(key=lambda f: (f.year, f.ally))
    else:
        flip_indicator, limit = None, None
    return ChangeSet(
        from_definition=definitions[from_edition],
        to_definition=definitions[to_edition],
        changes=changes,
        flips=flips,
        flip_indicator=flip_indicator,
        threshold=limit,
    )
