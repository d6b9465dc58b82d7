"""The server under a hostile or merely busy world (issue 12), each case against a live uvicorn
as `nato-api serve` runs it: cold bursts, header abuse, slow and idle clients, too many
connections, a re-seed under load, a database file restored in place or gone."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.config import Settings
from app.db import make_engine, sqlite_path
from app.deps import SessionGate
from app.main import create_app, create_asgi
from app.migrate import upgrade
from seed.loader import load
from tests.conftest import PG_URL, running
from tests.live import Answer, burst, closed_by_server, read_answer

PROBLEM = "application/problem+json"


def assert_problem(answer: Answer, status: int, type_: str) -> dict[str, Any]:
    assert answer.status == status
    assert answer.headers["content-type"] == PROBLEM
    body: dict[str, Any] = json.loads(answer.body)
    assert body["status"] == status
    assert body["type"] == type_
    assert body["detail"]
    return body


def _connect(base_url: str, timeout: float = 10) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def _head(target: str = "/healthz", extra: bytes = b"") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: api\r\n".encode() + extra + b"\r\n"


def _sends_before_close(conn: socket.socket, chunk: bytes, times: int, pause: float = 0) -> int:
    """How many times `chunk` was sent before the server closed the connection; fails the
    test if it never did."""
    for sent in range(times):
        try:
            conn.sendall(chunk)
        except OSError:  # reset or broken pipe: the server closed
            return sent
        time.sleep(pause)
    pytest.fail(f"the server kept the connection open through {times} sends")


def _ask(base_url: str, head: bytes) -> Answer:
    with _connect(base_url) as conn:
        conn.sendall(head)
        return read_answer(conn)


# --- bursts of cold requests ------------------------------------------------------------------


def test_a_burst_of_cold_requests_is_answered_in_full(settings: Settings) -> None:
    """128 distinct and 64 identical uncached requests at once, on a fresh server (empty
    cache): every one answered 200, none waits on a lock it cannot get. Pinned to an
    edition, the edition rule reads the database in a dependency of its own: what held
    connections across thread hops until the pool's 30 s timeout."""
    with running(create_asgi(settings), settings) as url:
        distinct = [f"/v1/observations?edition=2024-06&limit={n}" for n in range(1, 129)]
        answers = burst(url, distinct)
        assert [a.status for a in answers] == [200] * 128
        assert [len(json.loads(a.body)["items"]) for a in answers] == list(range(1, 129))

        # The burst met the first read of the dataset version: cached all the same.
        assert all(a.headers["etag"] and a.headers["cache-control"] for a in answers)

        same = burst(url, ["/v1/totals?edition=2024-06"] * 64)
        assert [a.status for a in same] == [200] * 64
        assert len({a.body for a in same}) == 1
        assert json.loads(same[0].body)["items"]


def test_identical_cold_requests_are_rendered_once(settings: Settings) -> None:
    """Single flight: 64 identical misses at once run the queries of one answer."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "dataset_versions" not in statement and statement != "BEGIN":
            statements.append(statement)

    with running(create_asgi(settings), settings) as url:
        event.listen(Engine, "before_cursor_execute", count)
        try:
            # Another answer first: the dataset version's keys (app.queries.keys) are read
            # once, by whichever request comes first.
            burst(url, ["/v1/compliance?year=2023&edition=2024-06"])
            statements.clear()
            # The same answer under another key (gzip): the queries of one rendering.
            one = burst(url, ["/v1/compliance?year=2024&edition=2024-06"], gzip=True)
            alone = len(statements)
            statements.clear()
            many = burst(url, ["/v1/compliance?year=2024&edition=2024-06"] * 64)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    assert one[0].status == 200
    assert alone > 0
    assert [a.status for a in many] == [200] * 64
    assert len(statements) == alone


def test_origins_cors_treats_alike_share_one_cached_answer(settings: Settings) -> None:
    with running(create_asgi(settings), settings) as url:
        for n in range(20):
            head = _head("/v1/indicators", f"Origin: https://site{n}.example\r\n".encode())
            answer = _ask(url, head)
            assert answer.status == 200
            assert answer.headers["access-control-allow-origin"] == "*"
        metrics = _ask(url, _head("/metrics")).body.decode()
    assert "nato_cache_misses_total 1.0" in metrics
    assert "nato_cache_hits_total 19.0" in metrics


def test_a_request_that_cannot_get_a_connection_in_time_is_a_503_to_retry(
    settings: Settings,
) -> None:
    app = create_app(settings)
    with running(app, settings) as url:
        # Every connection taken: no slot frees up within the wait.
        app.state.sessions = SessionGate(app.state.sessionmaker, 0, 0.05)
        answer = _ask(url, _head("/v1/meta"))
        body = assert_problem(answer, 503, "/problems/unavailable")
        assert "retry" in body["detail"]
        assert answer.headers["retry-after"] == "5"
        assert _ask(url, _head("/healthz")).status == 200


# --- header abuse -----------------------------------------------------------------------------


def test_a_header_over_the_size_limit_is_a_431_and_the_connection_closes(
    live_server: str,
) -> None:
    with _connect(live_server) as conn:
        conn.sendall(_head("/v1/allies", b"Origin: https://" + b"a" * 20_000 + b"\r\n"))
        answer = read_answer(conn)
        assert closed_by_server(conn) == b""
    body = assert_problem(answer, 431, "/problems/header-fields-too-large")
    assert "16384 bytes" in body["detail"]
    assert answer.headers["connection"] == "close"
    assert _ask(live_server, _head()).status == 200


def test_too_many_header_fields_is_a_431(live_server: str) -> None:
    fields = b"".join(b"X-Field-%d: y\r\n" % i for i in range(101))
    answer = _ask(live_server, _head("/v1/allies", fields))
    body = assert_problem(answer, 431, "/problems/header-fields-too-large")
    assert "more than 100 header fields" in body["detail"]
    # 99 fields (and Host) are fine.
    fields = b"".join(b"X-Field-%d: y\r\n" % i for i in range(99))
    assert _ask(live_server, _head("/healthz", fields)).status == 200


def test_a_request_line_over_the_head_limit_is_a_414(live_server: str) -> None:
    answer = _ask(live_server, _head("/v1/allies?q=" + "a" * 20_000))
    assert_problem(answer, 414, "/problems/uri-too-long")


def test_an_endless_header_is_cut_off_without_being_held(live_server: str) -> None:
    """A multi-megabyte header: the server answers or drops the connection long before the
    client has sent it all, holding at most one read of it."""
    with _connect(live_server) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: api\r\nX-Big: ")
        # 64 MiB offered; the limit is 16 KiB.
        assert _sends_before_close(conn, b"a" * 65536, 1024) < 1024
    assert _ask(live_server, _head()).status == 200


# --- slow clients and connection counts -------------------------------------------------------


@pytest.fixture(scope="module")
def strict_server(database_url: str) -> Iterator[str]:
    """A server with a short head timeout and room for 8 connections."""
    settings = Settings(database_url=database_url, header_timeout_seconds=1, max_connections=8)
    with running(create_asgi(settings), settings) as url:
        yield url


def test_connections_beyond_the_cap_are_answered_503_and_closed(strict_server: str) -> None:
    held = [_connect(strict_server) for _ in range(8)]
    try:
        with _connect(strict_server) as extra:
            answer = read_answer(extra)
            assert closed_by_server(extra) == b""
    finally:
        for conn in held:
            conn.close()
    body = assert_problem(answer, 503, "/problems/unavailable")
    assert "8 open connections" in body["detail"]
    assert answer.headers["retry-after"] == "5"


def test_an_idle_connection_is_closed_before_its_first_request(strict_server: str) -> None:
    with _connect(strict_server) as conn:
        # The socket's own timeout (10 s) would raise if the server kept it open.
        assert closed_by_server(conn) == b""


def test_a_slowloris_head_is_cut_off(strict_server: str) -> None:
    """Header lines trickling in never complete a head: the timer runs from the connection's
    start and is not reset by each byte."""
    with _connect(strict_server) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: api\r\n")
        # One line every 0.1 s, 9 s at most, against a 1 s timeout.
        _sends_before_close(conn, b"X-Slow: y\r\n", 90, pause=0.1)
    # A prompt client on the same server is served.
    assert _ask(strict_server, _head()).status == 200


def test_a_keep_alive_connection_serves_requests_after_its_first(strict_server: str) -> None:
    with _connect(strict_server) as conn:
        for _ in range(3):
            conn.sendall(_head())
            assert read_answer(conn).status == 200


# --- one snapshot per answer, recovery --------------------------------------------------------


def _without_usa_share_gdp_2014(data: Path) -> None:
    path = data / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("share_gdp,USA,2014,")]
    assert len(kept) < len(lines)
    path.write_text("".join(kept), encoding="utf-8")


def test_a_reseed_under_load_never_mixes_two_datasets(
    scratch_url: str, data_copy: Path, tmp_path: Path
) -> None:
    """Readers ask, uncached, while the data is re-seeded back and forth between two datasets
    that differ by one USA figure: every answer's total is the count of its own items."""
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    for item in data_copy.iterdir():
        (smaller / item.name).write_bytes(item.read_bytes())
    _without_usa_share_gdp_2014(smaller)
    upgrade(scratch_url)
    writer = make_engine(scratch_url)
    load(writer, data_copy)
    settings = Settings(database_url=scratch_url, cache_max_bytes=0, cache_version_check_seconds=0)
    target = "/v1/observations?ally=USA&limit=1000"
    answers: list[Answer] = []
    done = threading.Event()

    def read() -> None:
        with _connect(url) as conn:
            while not done.is_set() and len(answers) < 1000:
                conn.sendall(_head(target))
                answers.append(read_answer(conn))

    with running(create_asgi(settings), settings) as url:
        readers = [threading.Thread(target=read) for _ in range(3)]
        for reader in readers:
            reader.start()
        try:
            counts = []
            for data in (smaller, data_copy):
                load(writer, data)
                counts.append(json.loads(_ask(url, _head(target)).body)["total"])
        finally:
            done.set()
            for reader in readers:
                reader.join(timeout=60)
    writer.dispose()
    # Each re-seed is served at once (the latest figures: one per indicator and year).
    small, full = counts[0], counts[1]
    assert counts == [small, full]
    assert small == full - 1
    assert answers
    assert {a.status for a in answers} == {200}
    pages = [json.loads(a.body) for a in answers]
    assert all(page["total"] == len(page["items"]) for page in pages)
    assert {page["total"] for page in pages} <= {small, full}


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file restored in place")
def test_a_sqlite_file_restored_in_place_is_served_without_a_restart(scratch_url: str) -> None:
    upgrade(scratch_url)
    writer = make_engine(scratch_url)
    load(writer, Settings().data_dir)
    writer.dispose()
    path = sqlite_path(scratch_url)
    assert path is not None
    good = path.read_bytes()
    settings = Settings(database_url=scratch_url, cache_max_bytes=0)
    target = "/v1/observations?ally=USA&limit=1"
    with running(create_asgi(settings), settings) as url:
        total = json.loads(_ask(url, _head(target)).body)["total"]
        assert total > 0
        # Truncated in place (a restore that has begun), then removed: 503, the API's shape.
        with path.open("r+b") as handle:
            handle.truncate(0)
        assert_problem(_ask(url, _head(target)), 503, "/problems/unavailable")
        path.unlink()
        assert_problem(_ask(url, _head(target)), 503, "/problems/unavailable")
        # Restored: the next request reads the file, with no restart.
        path.write_bytes(good)
        assert json.loads(_ask(url, _head(target)).body)["total"] == total
        assert _ask(url, _head("/readyz")).status == 200
