"""The editions and sources a set of rows names, by id: titles and dates for an answer's About."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Edition, Source


def select_provenance(
    session: Session, *, editions: Collection[str], sources: Collection[str]
) -> tuple[list[tuple[str, str, dt.date]], list[tuple[str, str]]]:
    """(id, title, published on) of `editions`, oldest first, and (id, title) of `sources`,
    by id; ids that name nothing are left out."""
    found_editions = session.execute(
        select(Edition.id, Edition.title, Edition.published_on)
        .where(Edition.id.in_(list(editions)))
        .order_by(Edition.published_on, Edition.id)
    )
    found_sources = session.execute(
        select(Source.id, Source.title).where(Source.id.in_(list(sources))).order_by(Source.id)
    )
    return (
        [(row.id, row.title, row.published_on) for row in found_editions],
        [(row.id, row.title) for row in found_sources],
    )
