"""One Host per request (issue 23). With two Host headers the guard and the cache key read the
last, Starlette's URLs the first: with NATO_TRUSTED_HOSTS set, `/v1/meta/` redirected to the
untrusted first Host, and a citation written with it was cached `immutable`. Through real
sockets: the server refuses what the ASGI layers never see (an absolute-form target)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_asgi
from tests.conftest import running
from tests.live import closed_by_server
from tests.test_hardening import assert_problem

TRUSTED = "api.example.org"


@pytest.fixture(scope="module")
def trusted_server(database_url: str) -> Iterator[str]:
    settings = Settings(database_url=database_url, trusted_hosts=[TRUSTED])
    with running(create_asgi(settings), settings) as url:
        yield url


def exchange(base_url: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one raw request head; the connection then closed."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        response = closed_by_server(conn)
    head_bytes, _, body = response.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in fields.items()}, body


def assert_raw_problem(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    assert status == 400, body
    assert headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = json.loads(body)
    assert problem["type"] == "/problems/invalid-host"
    assert "location" not in headers
    return problem


@pytest.mark.parametrize(
    "hosts",
    [
        [b"evil.example", TRUSTED.encode()],
        [TRUSTED.encode(), b"evil.example"],
        [TRUSTED.encode(), TRUSTED.encode()],
    ],
)
@pytest.mark.parametrize("target", [b"/v1/meta/", b"/v1/citation?edition=2024-06"])
def test_two_host_headers_are_a_400_before_routing(
    trusted_server: str, hosts: list[bytes], target: bytes
) -> None:
    fields = b"".join(b"Host: " + host + b"\r\n" for host in hosts)
    head = b"GET " + target + b" HTTP/1.1\r\n" + fields + b"Connection: close\r\n\r\n"
    problem = assert_raw_problem(*exchange(trusted_server, head))
    assert "more than one host" in str(problem["detail"])


@pytest.mark.parametrize(
    "target",
    [b"http://evil.example/v1/meta/", b"http://api.example.org:81/v1/meta/"],
)
def test_an_absolute_target_naming_another_host_is_a_400(
    trusted_server: str, target: bytes
) -> None:
    head = b"GET " + target + b" HTTP/1.1\r\nHost: " + TRUSTED.encode() + b"\r\n\r\n"
    assert_raw_problem(*exchange(trusted_server, head))


def test_an_absolute_target_naming_the_host_is_served(trusted_server: str) -> None:
    head = (
        b"GET http://api.example.org/v1/meta/ HTTP/1.1\r\nHost: api.example.org\r\n"
        b"Connection: close\r\n\r\n"
    )
    status, headers, _ = exchange(trusted_server, head)
    assert status == 307
    assert headers["location"] == "http://api.example.org/v1/meta"


def test_the_redirect_and_the_citation_carry_the_one_trusted_host(trusted_server: str) -> None:
    head = b"GET /v1/citation?edition=2024-06 HTTP/1.1\r\nHost: API.example.org\r\n"
    status, _, body = exchange(trusted_server, head + b"Connection: close\r\n\r\n")
    assert status == 200
    (item,) = json.loads(body)
    assert item["note"].endswith(f": http://{TRUSTED}/v1/observations?edition=2024-06")


@pytest.mark.parametrize(
    "host", ["evil.example/x", 'a"><script>', "a b", "a:port", "[::1", "a" * 300]
)
def test_a_host_that_is_no_host_is_a_400(client: TestClient, host: str) -> None:
    response = client.get("/v1/meta", headers={"Host": host})
    assert_problem(response, 400, "/problems/invalid-host")


def test_two_hosts_reaching_the_asgi_layers_are_a_400(client: TestClient) -> None:
    # Another server than app.server may pass both on: the front door refuses them too.
    response = client.get("/v1/meta/", headers=[("Host", "evil.example"), ("Host", "testserver")])
    body = assert_problem(response, 400, "/problems/invalid-host")
    assert "location" not in response.headers
    assert body["detail"] == "The request has more than one Host header; send exactly one."
