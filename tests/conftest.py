"""Test databases built by the real Alembic migrations and the real seed loader.

SQLite by default (a temporary file); PostgreSQL when NATO_TEST_DATABASE_URL is set (CI runs
the suite on both). The shared database is seeded once per session and never written by a
test; tests that write get a scratch database of their own.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import os
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import DEFAULT_DATA_DIR, Settings
from app.db import make_engine
from app.main import create_asgi
from app.migrate import upgrade
from app.server import make_config
from seed.loader import load

PG_URL = os.environ.get("NATO_TEST_DATABASE_URL")
_counter = itertools.count()


def data_rows(name: str, data_dir: Path = DEFAULT_DATA_DIR) -> list[dict[str, str]]:
    """The rows of a seed file, read with the csv module (the test's own reading)."""
    with (data_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def official_urls() -> dict[str, str]:
    """Edition -> the URL of its NATO source (sources.csv kinds official_nato_*) that gave it
    the most figures: the test's own reading of the files, for the citations and the export."""
    kinds = {r["id"]: (r["kind"], r["url"]) for r in data_rows("sources.csv")}
    counts: Counter[tuple[str, str]] = Counter(
        (row["edition"], row["source_id"])
        for name in ("observations.csv", "aggregates.csv")
        for row in data_rows(name)
        if kinds[row["source_id"]][0].startswith("official_nato") and kinds[row["source_id"]][1]
    )
    best: dict[str, str] = {}
    for (edition, source), _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1])):
        best.setdefault(edition, kinds[source][1])
    return best


def _scratch_pg(base_url: str) -> str:
    name = f"nato_scratch_{os.getpid()}_{next(_counter)}"
    admin = create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def scratch_url(tmp_path: Path) -> str:
    """An empty database of the test's own: SQLite file, or a new PostgreSQL database."""
    if PG_URL:
        return _scratch_pg(PG_URL)
    return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The shared database, migrated and seeded once."""
    if PG_URL:
        url = _scratch_pg(PG_URL)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'nato.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    load(engine, DEFAULT_DATA_DIR)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_asgi(settings)) as test_client:
        yield test_client


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of seed/data, to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(asgi: Any, settings: Settings) -> Iterator[str]:
    """`asgi` served as `nato-api serve` serves it (app/server.py), on a free loopback port,
    in a thread; stopped on exit."""
    port = free_port()
    server = uvicorn.Server(
        make_config(asgi, settings, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[str]:
    """The app on a live server, shared by the session's tests."""
    with running(create_asgi(settings), settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (browser tests: `make e2e`)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (`make e2e` does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
