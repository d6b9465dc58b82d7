"""Engines and sessions: SQLite (read-only at runtime) or PostgreSQL (read-only transactions).

SQLAlchemy only: the seed and migrate commands import this without loading FastAPI (the
request-scoped session is `app.deps.SessionDep`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    database = parsed.database
    if database.startswith("file:"):
        database = database[len("file:") :]
    return None if database == ":memory:" else Path(database)


def make_engine(url: str, *, read_only: bool = False, pool_recycle: int = -1) -> Engine:
    """Create an engine; `read_only` makes the data impossible to change from this process.

    SQLite is opened with `mode=ro` (https://www.sqlite.org/uri.html), PostgreSQL sessions
    start with `default_transaction_read_only`. Foreign keys are enforced on SQLite too.
    A PostgreSQL connection is re-opened after `pool_recycle` seconds (-1: never): a
    multi-host URL chooses its server when a connection opens, never later.
    """
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if read_only and path is not None:
            parsed = parsed.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
        connect_args["check_same_thread"] = False
        engine = create_engine(parsed, connect_args=connect_args)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(
        parsed,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_recycle=pool_recycle,
        pool_size=5,
        max_overflow=5,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, autoflush=False, expire_on_commit=False)
