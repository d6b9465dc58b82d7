"""The edition rule every figure is served under: a pinned edition, `as_of` a date, or latest.

- `edition=ID`: only that edition's figures.
- `as_of=YYYY-MM-DD`: for each figure key, the newest edition published on or before that date.
- neither: for each figure key, the newest edition that has it ("latest").

A figure key is (indicator, ally or aggregate, year). Values are never merged, averaged or
filled across editions: every row keeps its own edition, so a mixed result is visible. When one
edition has the same key from two sources, both rows are kept (DENSE_RANK, not ROW_NUMBER).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnExpressionArgument, Select, func, select
from sqlalchemy.orm import Session

from app.errors import BadRequest, Unprocessable
from app.models import Edition


@dataclass(frozen=True)
class EditionRule:
    edition: str | None = None
    as_of: dt.date | None = None

    @property
    def mode(self) -> str:
        if self.edition:
            return "edition"
        return "as_of" if self.as_of else "latest"

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "edition": self.edition,
            "as_of": self.as_of,
            "description": self.describe(),
        }

    def describe(self) -> str:
        if self.edition:
            return f"edition {self.edition} only"
        if self.as_of:
            return (
                "for each figure, the newest edition published on or before "
                f"{self.as_of.isoformat()}"
            )
        return "for each figure, the newest edition that has it (latest)"


def make_rule(session: Session, *, edition: str | None, as_of: dt.date | None) -> EditionRule:
    """Check the parameters against the editions table; unknown or conflicting is a 4xx."""
    if edition and as_of:
        raise BadRequest(
            "Use either `edition` (pin one edition) or `as_of` (newest edition published by "
            "a date), not both."
        )
    if edition:
        check_edition(session, edition)
    return EditionRule(edition=edition, as_of=as_of)


def edition_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Edition.id).order_by(Edition.published_on)))


def check_edition(session: Session, edition: str, parameter: str = "edition") -> None:
    known = edition_ids(session)
    if edition not in known:
        raise Unprocessable(
            f"{parameter}: {edition!r} is not an edition. Known editions: {', '.join(known)}.",
            errors=[{"parameter": parameter, "in": "query", "message": "unknown edition"}],
        )


AnySelect = Select[*tuple[Any, ...]]


def resolve(
    stmt: AnySelect,
    rule: EditionRule,
    *,
    key: Sequence[ColumnExpressionArgument[Any]],
    edition_col: ColumnExpressionArgument[str],
) -> AnySelect:
    """Apply `rule` to `stmt`, a select over a figures table joined to nothing yet.

    Returns a select over a subquery with the same columns plus `published_on`; callers
    select from `.subquery()` of the result.
    """
    stmt = stmt.join(Edition, Edition.id == edition_col).add_columns(
        Edition.published_on.label("published_on")
    )
    if rule.edition:
        return stmt.where(Edition.id == rule.edition)
    if rule.as_of:
        stmt = stmt.where(Edition.published_on <= rule.as_of)
    rank = (
        func.dense_rank()
        .over(partition_by=key, order_by=Edition.published_on.desc())
        .label("edition_rank")
    )
    ranked = stmt.add_columns(rank).subquery("ranked")
    columns = [c for c in ranked.c if c.name != "edition_rank"]
    return select(*columns).where(ranked.c.edition_rank == 1)
