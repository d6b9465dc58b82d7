"""Alembic: upgrade, downgrade to base, upgrade again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from app.db import make_engine
from app.migrate import downgrade, upgrade
from app.models import Base

TABLES = {table.name for table in Base.metadata.sorted_tables}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    upgrade(scratch_url)
    assert _tables(scratch_url) == TABLES
    downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    upgrade(scratch_url)
    assert _tables(scratch_url) == TABLES


def test_migrations_match_the_models(scratch_url: str) -> None:
    """The migration files create exactly the columns the typed models declare."""
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    try:
        inspector = inspect(engine)
        for table in Base.metadata.sorted_tables:
            columns = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name: c.nullable for c in table.columns}, table.name
    finally:
        engine.dispose()
