"""The rows behind the editions feed: every edition's facts, and every per-ally figure with its
edition (analysis/edition_changes.py compares each edition with the one before it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.models import Edition, Observation

_EDITIONS = select(
    Edition.id,
    Edition.title,
    Edition.published_on,
    Edition.expenditure_definition,
    Edition.constant_price_base_year,
).order_by(Edition.published_on)

_FIGURES = select(
    Observation.edition_id,
    Observation.indicator_id,
    Observation.ally_iso3,
    Observation.year,
    Observation.value,
).order_by(Observation.edition_id, Observation.source_id)


def select_editions(session: Session) -> list[Row[Any]]:
    """Every edition, oldest first: id, title, published_on, definition, price base year."""
    return list(session.execute(_EDITIONS))


def select_figures(session: Session) -> list[Row[Any]]:
    """Every per-ally figure: edition, indicator, ally, year, value (about 15,000 rows)."""
    return list(session.execute(_FIGURES))
