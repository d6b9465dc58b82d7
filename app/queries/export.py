"""The rows of the offline bundle: one table's columns in file order (app/reports/export.py
writes the bundle; app/analytic_db.py the SQLite download)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def select_table(
    session: Session, model: Any, attributes: Sequence[str], order: str
) -> Iterable[Sequence[Any]]:
    """`attributes` of every row of `model`'s table, ordered by the attribute `order`."""
    columns = [getattr(model, name) for name in attributes]
    return session.execute(select(*columns).order_by(getattr(model, order)))
