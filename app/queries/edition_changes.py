"""The rows behind the editions feed: every edition's facts, the share_gdp figures, and the
figures each edition has in common with the one before it (analysis/edition_changes.py
compares them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, exists, select, union_all
from sqlalchemy.orm import Session, aliased

from app.models import Edition, Observation

_EDITIONS = select(
    Edition.id,
    Edition.title,
    Edition.published_on,
    Edition.expenditure_definition,
    Edition.constant_price_base_year,
    exists().where(Observation.edition_id == Edition.id).label("has_figures"),
).order_by(Edition.published_on)

_SHARES = select(
    Observation.edition_id, Observation.ally_iso3, Observation.year, Observation.value
).where(Observation.indicator_id == "share_gdp")

_OLD = aliased(Observation, name="old")
_NEW = aliased(Observation, name="new")


def select_editions(session: Session) -> list[Row[Any]]:
    """Every edition, oldest first: id, title, published_on, definition, price base year and
    whether it has per-ally figures."""
    return list(session.execute(_EDITIONS))


def select_shares(session: Session) -> list[Row[Any]]:
    """Every share_gdp figure: edition, ally, year, value."""
    return list(session.execute(_SHARES))


def select_common(session: Session, pairs: Sequence[tuple[str, str]]) -> list[Row[Any]]:
    """For each (newer, older) edition pair, the per-ally figures both have: newer edition,
    indicator, ally, year, older value, newer value, ordered by source within a figure (a few
    hundred rows, not the table). One SELECT per pair, so each joins on its indexes (an OR of
    the pairs scanned the table squared: 2.5 s)."""
    if not pairs:
        return []
    new, old = _NEW, _OLD
    parts = [
        select(
            new.edition_id.label("edition_id"),
            new.indicator_id.label("indicator_id"),
            new.ally_iso3.label("ally_iso3"),
            new.year.label("year"),
            old.value.label("before"),
            new.value.label("after"),
            new.source_id.label("source_id"),
            old.source_id.label("old_source"),
        )
        .join(
            old,
            and_(
                old.indicator_id == new.indicator_id,
                old.ally_iso3 == new.ally_iso3,
                old.year == new.year,
                old.edition_id == older,
            ),
        )
        .where(new.edition_id == newer)
        for newer, older in pairs
    ]
    stmt = union_all(*parts).order_by(
        "edition_id", "indicator_id", "ally_iso3", "year", "source_id", "old_source"
    )
    return list(session.execute(stmt))
