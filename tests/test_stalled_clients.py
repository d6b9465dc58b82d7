"""Clients that stop reading, and bodies the API will not read (issue 23), through real sockets.

There was no send timeout once a head had arrived: a client that stopped reading held its
connection (and its copy of the answer) for as long as it liked, and a connection that
dripped a body after a 405 was never closed (each byte cancelled the keep-alive timer).
Each test is bounded by its sockets' timeouts (a few seconds)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.config import Settings
from app.edge.representation import SEND_SLICE
from app.main import create_asgi
from app.server import LINGER_SECONDS, STALL_SECONDS
from tests.conftest import running

SEND_TIMEOUT = 1.0
EXPORT = b"GET /v1/export/sqlite HTTP/1.1\r\nHost: a\r\n\r\n"


@pytest.fixture(scope="module")
def strict_server(database_url: str) -> Iterator[str]:
    """A live server with a 1 s send timeout and 4 connection slots."""
    settings = Settings(database_url=database_url, send_timeout=SEND_TIMEOUT, max_connections=4)
    with running(create_asgi(settings), settings) as url:
        yield url


def connect(base_url: str, *, rcvbuf: int | None = None) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    conn = socket.socket()
    if rcvbuf is not None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    conn.settimeout(10)
    conn.connect((host, int(port)))
    return conn


def read_until_closed(conn: socket.socket) -> bytes:
    """What the server sends until it closes or resets; TimeoutError if it keeps it open."""
    data = b""
    try:
        while chunk := conn.recv(1 << 20):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def export_size(base_url: str) -> int:
    with connect(base_url) as conn:
        conn.sendall(EXPORT.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        head, _, body = read_until_closed(conn).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    return len(body)


def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout(
    strict_server: str,
) -> None:
    size = export_size(strict_server)
    with connect(strict_server, rcvbuf=1024) as conn:
        conn.sendall(EXPORT)
        time.sleep(SEND_TIMEOUT * 4)
        conn.settimeout(5)
        received = read_until_closed(conn)
    # Dropped: what it had not taken in time is never sent (before: the whole answer came).
    assert len(received) < size


def test_a_slow_client_that_keeps_reading_gets_the_whole_answer(strict_server: str) -> None:
    size = export_size(strict_server)
    with connect(strict_server, rcvbuf=65536) as conn:
        conn.sendall(EXPORT.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        data = b""
        while chunk := conn.recv(256 * 1024):
            data += chunk
            time.sleep(0.002)
    assert len(data.partition(b"\r\n\r\n")[2]) == size


def test_stalled_readers_cannot_hold_every_connection_slot(strict_server: str) -> None:
    stalled = [connect(strict_server, rcvbuf=1024) for _ in range(4)]
    try:
        for conn in stalled:
            conn.sendall(EXPORT)
        time.sleep(STALL_SECONDS + 0.3)
        with connect(strict_server) as bystander:
            bystander.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            answer = read_until_closed(bystander)
        # Before: 503 (the slots were the stalled readers'). Now one of them made room.
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        for conn in stalled:
            conn.close()


@pytest.mark.parametrize(
    "head",
    [
        b"POST /v1/allies HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n",
        b"GET /v1/allies HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n",
    ],
    ids=["405", "413"],
)
def test_a_body_dripped_after_a_refusal_is_lingered_then_closed(
    strict_server: str, head: bytes
) -> None:
    with connect(strict_server) as conn:
        conn.sendall(head)
        assert conn.recv(65536).split(b" ", 2)[1] in (b"405", b"413")
        closed_after = None
        started = time.monotonic()
        while time.monotonic() - started < LINGER_SECONDS * 3:
            time.sleep(0.2)
            try:
                conn.sendall(b"x")
                conn.settimeout(0.01)
                if conn.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
    # Before: still open after 6 s of dripping (each byte cancelled the keep-alive timer).
    assert closed_after is not None


def test_a_stored_answer_is_sent_as_slices_of_one_shared_body(settings: Settings) -> None:
    app = create_asgi(settings)

    async def fetch(messages: list[dict[str, Any]]) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/export/sqlite",
            "raw_path": b"/v1/export/sqlite",
            "query_string": b"",
            "headers": [(b"host", b"a")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, send)

    async def lifespan_and_two_fetches() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        first: list[dict[str, Any]] = []
        second: list[dict[str, Any]] = []
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await queue.put({"type": "lifespan.startup"})
        started = asyncio.Event()

        async def lifespan_send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                started.set()

        task = asyncio.create_task(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, lifespan_send)
        )
        await started.wait()
        await fetch(first)
        await fetch(second)
        await queue.put({"type": "lifespan.shutdown"})
        await task
        return first, second

    first, second = asyncio.run(lifespan_and_two_fetches())
    bodies = [m["body"] for m in second if m["type"] == "http.response.body"]
    assert len(bodies) > 1
    assert all(len(body) <= SEND_SLICE for body in bodies)
    # Every slice is a view of the one stored body: nothing copied per connection.
    assert all(isinstance(body, memoryview) for body in bodies)
    assert len({id(body.obj) for body in bodies}) == 1
    first_bodies = [m["body"] for m in first if m["type"] == "http.response.body"]
    assert b"".join(first_bodies) == b"".join(bodies)


def test_connections_lingering_after_a_refusal_cannot_hold_every_slot(
    strict_server: str,
) -> None:
    head = b"POST /v1/allies HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n"
    lingering = [connect(strict_server) for _ in range(4)]
    try:
        for conn in lingering:
            conn.sendall(head)
            assert conn.recv(65536).startswith(b"HTTP/1.1 405")
        with connect(strict_server) as bystander:
            bystander.sendall(b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            answer = read_until_closed(bystander)
        # Within the linger (2 s): before, a 503 (the slots were the lingering clients').
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    finally:
        for conn in lingering:
            conn.close()


@pytest.fixture(scope="module")
def streaming_server(database_url: str) -> Iterator[str]:
    """A live server with the default send timeout (30 s) that streams answers over 1 MiB."""
    settings = Settings(database_url=database_url, cache_max_bytes=0)
    with running(create_asgi(settings), settings) as url:
        yield url


def test_a_stalled_reader_of_a_streamed_answer_holds_no_other_request(
    streaming_server: str,
) -> None:
    # The same request twice (one cache key): before, the second waited for the first's
    # rendering to end (single flight), which a client that stops reading never lets happen.
    head = b"GET /v1/observations?format=ndjson HTTP/1.1\r\nHost: a\r\n"
    with connect(streaming_server, rcvbuf=1024) as stalled:
        stalled.sendall(head + b"\r\n")
        time.sleep(0.5)
        with connect(streaming_server) as reader:
            reader.settimeout(10)
            reader.sendall(head + b"Connection: close\r\n\r\n")
            answer = read_until_closed(reader)
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b"}\n\r\n0\r\n\r\n")  # the chunked NDJSON, whole
