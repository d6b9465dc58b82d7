"""Whole-collection answers in flight are bounded per process (issue 23), through real sockets.

100 clients reading the whole NDJSON table a byte a second made 100 renders at once, each
holding every row (RSS 120 -> 972 MB, 954 MB a minute after). Now at most
`max_whole_answers` are rendered or sent at once: beyond them a request waits
`whole_answer_wait_seconds`, then is answered 503 with Retry-After; pages and other routes are
never held up, and a slot comes back when its client goes."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from app.config import Settings
from app.main import create_asgi
from tests.conftest import running
from tests.test_stalled_clients import connect, read_until_closed

SLOTS = 2
WAIT = 0.5


@pytest.fixture(scope="module")
def capped_server(database_url: str) -> Iterator[str]:
    """A live server with no response cache (every reader renders) and two whole slots."""
    settings = Settings(
        database_url=database_url,
        cache_max_bytes=0,
        max_whole_answers=SLOTS,
        whole_answer_wait_seconds=WAIT,
        send_timeout=30,
    )
    with running(create_asgi(settings), settings) as url:
        yield url


def head(target: str, *, close: bool = False) -> bytes:
    extra = "Connection: close\r\n" if close else ""
    return f"GET {target} HTTP/1.1\r\nHost: a\r\n{extra}\r\n".encode()


def fetch(base_url: str, target: str) -> tuple[bytes, bytes]:
    """(head, body) of one request read to the end."""
    with connect(base_url) as conn:
        conn.sendall(head(target, close=True))
        answer_head, _, body = read_until_closed(conn).partition(b"\r\n\r\n")
    return answer_head, body


def stalled_reader(base_url: str, target: str) -> socket.socket:
    conn = connect(base_url, rcvbuf=1024)
    conn.sendall(head(target))
    return conn


def test_readers_beyond_the_slots_are_refused_and_bystanders_answered(
    capped_server: str,
) -> None:
    whole = "/v1/observations?format=ndjson"
    _, full = fetch(capped_server, whole)
    assert full.count(b"\n") > 6000  # the whole table: far more than a stalled window
    stalled = [stalled_reader(capped_server, f"{whole}&sort={key}") for key in ("year", "ally")]
    try:
        time.sleep(1)  # both admitted, rendering, stuck on their full windows
        started = time.monotonic()
        refused_head, refused_body = fetch(capped_server, f"{whole}&sort=value")
        waited = time.monotonic() - started
        assert refused_head.startswith(b"HTTP/1.1 503"), refused_head
        assert b"content-type: application/problem+json" in refused_head.lower()
        assert b"retry-after:" in refused_head.lower()
        problem = json.loads(refused_body)
        assert problem["status"] == 503
        assert "limit" in problem["detail"]
        assert waited >= WAIT
        # Bystanders: a page of the same route, a CSV page and another route are not gated.
        for target in (
            "/v1/observations?format=ndjson&limit=5",
            "/v1/observations?format=csv&offset=10",
            "/v1/allies",
        ):
            answer_head, _ = fetch(capped_server, target)
            assert answer_head.startswith(b"HTTP/1.1 200"), (target, answer_head)
    finally:
        for conn in stalled:
            conn.close()
    # The stalled readers gone, their slots come back: a whole answer is sent again.
    deadline = time.monotonic() + 10
    while True:
        answer_head, body = fetch(capped_server, whole)
        if answer_head.startswith(b"HTTP/1.1 200") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer_head.startswith(b"HTTP/1.1 200"), answer_head
    assert body == full
