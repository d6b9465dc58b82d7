"""Engines and sessions: SQLite (read-only at runtime) or PostgreSQL (read-only transactions).

SQLAlchemy only: the seed and migrate commands import this without loading FastAPI (the
request-scoped session is `app.deps.SessionDep`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

# The pool of a runtime engine: at most POOL_SIZE + POOL_OVERFLOW connections. The request
# path admits at most that many sessions at once (app.deps), so a request that holds a worker
# thread never waits for a connection another request holds (issue 12: with 40 threads
# waiting on 15 connections, the burst deadlocked for the pool's 30 s timeout).
POOL_SIZE = 5
POOL_OVERFLOW = 10
POOL_CAPACITY = POOL_SIZE + POOL_OVERFLOW
# Only reached when something outside the request path holds connections (the cache's
# version probe): then a bounded wait, answered 503 (app.errors), never a stall.
POOL_TIMEOUT_SECONDS = 10.0


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    database = parsed.database
    if database.startswith("file:"):
        database = database[len("file:") :]
    return None if database == ":memory:" else Path(database)


def _file_identity(path: Path) -> tuple[int, ...] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _sqlite_reader_events(engine: Engine, path: Path | None) -> None:
    """One read transaction per session, and connections that follow the file.

    pysqlite emits no BEGIN before a SELECT, so each statement of a request read its own
    snapshot (a re-seed between a count and its page mixed two datasets, issue 12). The
    documented recipe (SQLAlchemy, "Serializable isolation / Savepoints / Transactional DDL"
    for pysqlite) turns the driver's own transaction handling off and emits BEGIN itself.

    A database replaced or restored in place (new inode, or the same file rewritten) is
    picked up without a restart: a pooled connection opened on another version of the file
    is discarded at checkout (DisconnectionError: the pool opens a fresh one). A connection
    opened for this very checkout is taken as it is: while a re-seed is writing, the file
    changes between its opening and its checkout, and the pool gives up after two refusals
    ("This connection is closed", a 500).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        if path is not None:
            record.info["file"] = _file_identity(path)
            record.info["fresh"] = True

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    if path is not None:

        @event.listens_for(engine, "checkout")
        def _checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            if record.info.pop("fresh", False):
                return
            if record.info.get("file") != _file_identity(path):
                raise DisconnectionError("the database file changed since this connection")


def make_engine(url: str, *, read_only: bool = False, pool_recycle: int = -1) -> Engine:
    """Create an engine; `read_only` makes the data impossible to change from this process.

    SQLite is opened with `mode=ro` (https://www.sqlite.org/uri.html), PostgreSQL sessions
    start with `default_transaction_read_only`. Foreign keys are enforced on SQLite too.
    A PostgreSQL connection is re-opened after `pool_recycle` seconds (-1: never): a
    multi-host URL chooses its server when a connection opens, never later.
    A read-only engine reads each session in one snapshot: one SQLite transaction, one
    PostgreSQL REPEATABLE READ transaction.
    """
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    pool: dict[str, Any] = {
        "pool_size": POOL_SIZE,
        "max_overflow": POOL_OVERFLOW,
        "pool_timeout": POOL_TIMEOUT_SECONDS,
    }
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is None:
            pool = {}  # in-memory SQLite: SQLAlchemy's single-connection pool
        if read_only and path is not None:
            parsed = parsed.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
        connect_args["check_same_thread"] = False
        engine = create_engine(parsed, connect_args=connect_args, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        if read_only:
            _sqlite_reader_events(engine, path)
        return engine
    if read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
        pool["isolation_level"] = "REPEATABLE READ"
    return create_engine(
        parsed, connect_args=connect_args, pool_pre_ping=True, pool_recycle=pool_recycle, **pool
    )


def renewable(engine: Engine) -> Callable[[], None]:
    """Return `renew()`: after a call, each pooled connection is replaced at its next
    checkout (closed properly, by the pool), and those in use when they come back. For a
    database restored or re-seeded in place: the connections follow what is there now."""
    generation = [0]

    @event.listens_for(engine, "connect")
    def _stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info["generation"] = generation[0]

    @event.listens_for(engine, "checkout")
    def _check(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("generation", 0) != generation[0]:
            raise DisconnectionError("the dataset changed since this connection opened")

    def renew() -> None:
        generation[0] += 1

    return renew


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, autoflush=False, expire_on_commit=False)
