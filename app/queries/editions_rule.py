"""The edition rule as SQL: a WHERE clause on each figure row, and the editions it may name.

The loader stores the rule on every figure row as an edition-validity interval:
`published_on` (its edition's publication date) and `superseded_on` (the publication date of
the next newer edition with the same figure key, NULL when there is none). Each mode of
`analysis.editions.EditionRule` is then a plain indexed filter on the row, no window: latest is
`superseded_on IS NULL`; `as_of` D is `published_on <= D` and (`superseded_on` NULL or after
D); a pinned edition is `edition_id = ID`. When one edition has the same key from two
sources, both rows share the interval and both are kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    bindparam,
    or_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from app.analysis.editions import EditionRule
from app.models import Aggregate, Observation
from app.queries.keys import keys


def rule_parameters(rule: EditionRule) -> dict[str, Any]:
    """Values of the named parameters of `in_force_template(rule.mode, ...)`."""
    if rule.edition:
        return {"rule_edition": rule.edition}
    return {"rule_as_of": rule.as_of} if rule.as_of else {}


def edition_ids(session: Session) -> list[str]:
    """The loaded editions, oldest first (read once per dataset version)."""
    return list(keys(session).edition_ids)


def select_definitions(session: Session) -> dict[str, str]:
    """Each edition's expenditure definition (editions.expenditure_definition)."""
    return dict(keys(session).definitions)


AnySelect = Select[*tuple[Any, ...]]
# The figures tables: their ORM classes, or their tables' columns (`Observation.__table__.c`:
# pure Core statements, no ORM compile step).
Figures = type[Observation] | type[Aggregate] | ReadOnlyColumnCollection[str, Any]


def in_force(rule: EditionRule, table: Figures) -> ColumnElement[bool]:
    """The rule as a WHERE clause on the figures `table` (Observation or Aggregate)."""
    return _in_force(rule.mode, table, rule.edition, rule.as_of)


def in_force_template(mode: str, table: Figures) -> ColumnElement[bool]:
    """`in_force` for a statement built once per rule mode and reused: the edition or date
    are the named parameters that `rule_parameters(rule)` gives at execution (a missing
    one is an error, never a stale value). On this small data, building and hashing a
    statement costs about as much as running it."""
    return _in_force(
        mode, table, bindparam("rule_edition", type_=String), bindparam("rule_as_of", type_=Date)
    )


def _in_force(
    mode: str,
    table: Figures,
    edition: str | BindParameter[str] | None,
    as_of: dt.date | BindParameter[dt.date] | None,
) -> ColumnElement[bool]:
    if mode == "edition":
        return table.edition_id == edition
    if mode == "as_of":
        return and_(
            table.published_on <= as_of,
            or_(table.superseded_on.is_(None), table.superseded_on > as_of),
        )
    return table.superseded_on.is_(None)
