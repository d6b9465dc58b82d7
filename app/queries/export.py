"""The rows of the offline bundle: one table's columns in file order, and the whole database
as SQLite bytes (app/reports/export.py writes the bundle)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from app.models import Base


def select_table(
    session: Session, model: Any, attributes: Sequence[str], order: str
) -> Iterable[Sequence[Any]]:
    """`attributes` of every row of `model`'s table, ordered by the attribute `order`."""
    columns = [getattr(model, name) for name in attributes]
    return session.execute(select(*columns).order_by(getattr(model, order)))


def database_bytes(session: Session) -> bytes:
    """The SQLite database bytes: the file itself on SQLite, else a copy."""
    raw: Any = session.connection().connection.driver_connection
    target = sqlite3.connect(":memory:")
    try:
        if isinstance(raw, sqlite3.Connection):
            # The online backup API: a consistent copy even while a seed writes.
            raw.backup(target)
        else:
            _copy_tables(session, target)
        return target.serialize()
    finally:
        target.close()


def _copy_tables(session: Session, target: sqlite3.Connection) -> None:
    """Every table of the schema, row for row, into an empty SQLite database."""
    engine = create_engine("sqlite://", creator=lambda: target, poolclass=StaticPool)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows = [dict(r) for r in session.execute(query).mappings()]
            if rows:
                conn.execute(insert(table), rows)
