"""Attributed quotes: filters, accent-insensitive text search, and speakers with counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import NotFound, Unprocessable
from app.folding import fold
from app.models import Quote
from app.queries.lookups import suggest

QUOTE_COLUMNS = (
    Quote.id,
    Quote.speaker,
    Quote.role,
    Quote.said_on,
    Quote.text,
    Quote.language,
    Quote.source_id.label("source"),
    Quote.context,
    Quote.verification,
)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class QuoteFilters:
    speaker: str | None = None
    q: str | None = None
    said_from: dt.date | None = None
    said_to: dt.date | None = None
    verification: str | None = None


def _filtered(session: Session, stmt: Any, filters: QuoteFilters) -> Any:
    if filters.said_from and filters.said_to and filters.said_from > filters.said_to:
        raise Unprocessable(
            f"from ({filters.said_from}) is after to ({filters.said_to}).",
            errors=[{"parameter": "from", "in": "query", "message": "after `to`"}],
        )
    if filters.speaker:
        stmt = stmt.where(func.lower(Quote.speaker) == filters.speaker.strip().lower())
    if filters.q:
        # search_text is fold(speaker + text + context) written by the loader: fold the query
        # the same way, and require every word (LIKE is portable to SQLite and PostgreSQL).
        for word in fold(filters.q).split():
            stmt = stmt.where(Quote.search_text.like(f"%{_like_escape(word)}%", escape="\\"))
    if filters.said_from:
        stmt = stmt.where(Quote.said_on >= filters.said_from)
    if filters.said_to:
        stmt = stmt.where(Quote.said_on <= filters.said_to)
    if filters.verification:
        known = list(session.scalars(select(Quote.verification).distinct()))
        if filters.verification not in known:
            raise Unprocessable(
                f"verification: {filters.verification!r} is not a verification level. "
                f"Known: {', '.join(sorted(known))}.",
                errors=[{"parameter": "verification", "in": "query", "message": "unknown"}],
            )
        stmt = stmt.where(Quote.verification == filters.verification)
    return stmt


def select_quotes(
    session: Session, *, filters: QuoteFilters, limit: int | None, offset: int
) -> tuple[list[Any], int]:
    """One page of quotes (newest first, then id), all when `limit` is None, and the number
    matching the filters."""
    stmt = _filtered(session, select(*QUOTE_COLUMNS), filters)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(
        stmt.order_by(Quote.said_on.desc(), Quote.id).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def get_quote(session: Session, quote_id: str) -> Any:
    row = session.execute(select(*QUOTE_COLUMNS).where(Quote.id == quote_id)).first()
    if row is None:
        ids = list(session.scalars(select(Quote.id)))
        raise NotFound(f"No quote {quote_id!r}.{suggest(quote_id, ids)} See /v1/quotes.")
    return row


def select_speakers(session: Session) -> list[Any]:
    """Every speaker with the number of quotes and the first and last dates."""
    stmt = (
        select(
            Quote.speaker,
            func.count().label("quotes"),
            func.min(Quote.said_on).label("first_said_on"),
            func.max(Quote.said_on).label("last_said_on"),
        )
        .group_by(Quote.speaker)
        .order_by(func.count().desc(), Quote.speaker)
    )
    return list(session.execute(stmt).all())
