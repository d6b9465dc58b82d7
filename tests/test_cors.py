"""A browser client on another origin: CORS preflights for the headers it sends, refusals as
problem+json, conditional requests (If-None-Match, If-Modified-Since) and ranges, checked
through HTTP and in headless Chromium from a page served on another loopback port."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import free_port

ORIGIN = "https://dashboard.example.org"
BROWSER_HEADERS = ["If-None-Match", "If-Modified-Since", "Range", "If-Range", "X-Request-ID"]


def preflight(client: TestClient, method: str, headers: str | None) -> Any:
    request = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        request["Access-Control-Request-Headers"] = headers
    return client.options("/v1/observations.csv", headers=request)


@pytest.mark.parametrize("header", [*BROWSER_HEADERS, "Accept", ",".join(BROWSER_HEADERS)])
def test_a_preflight_for_a_browser_clients_headers_succeeds(
    client: TestClient, header: str
) -> None:
    response = preflight(client, "GET", header.lower())
    assert response.status_code == 200, response.text
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {h.lower() for h in header.split(",")} <= allowed
    assert response.headers["access-control-allow-methods"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("DELETE", None, ["method"]),
        ("GET", "authorization", ["headers"]),
        ("POST", "if-none-match, x-api-key", ["method", "headers"]),
    ],
)
def test_a_refused_preflight_is_a_problem_that_says_what_is_allowed(
    client: TestClient, method: str, headers: str | None, refused: list[str]
) -> None:
    response = preflight(client, method, headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/cors-refused"
    assert body["instance"] == "/v1/observations.csv"
    assert body["refused"] == refused
    assert method in body["detail"]
    if "method" in refused:
        assert "only GET and HEAD are allowed" in body["detail"]
    if "headers" in refused:
        assert "If-None-Match" in body["detail"]
    # The browser may read the refusal.
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_cross_origin_answer_exposes_its_validators_and_ranges(client: TestClient) -> None:
    response = client.get("/v1/allies", headers={"Origin": ORIGIN})
    exposed = {h.strip() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"ETag", "Last-Modified", "Content-Range", "Accept-Ranges", "X-Total-Count"} <= exposed


def test_if_modified_since_is_honoured_where_if_none_match_is_absent(client: TestClient) -> None:
    whole = client.get("/v1/allies")
    modified = whole.headers["last-modified"]
    same = client.get("/v1/allies", headers={"If-Modified-Since": modified})
    assert (same.status_code, same.content) == (304, b"")
    assert same.headers["etag"] == whole.headers["etag"]
    older = client.get("/v1/allies", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert (older.status_code, older.content) == (200, whole.content)
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3).
    both = {"If-Modified-Since": modified, "If-None-Match": '"another"'}
    assert client.get("/v1/allies", headers=both).status_code == 200


# --- in Chromium, from a page on another origin -------------------------------------------


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[str]:
    """A blank page served on another loopback port: another origin than the API's."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><link rel="icon" href="data:,"><title>dashboard</title>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# Run in the page: revalidate an answer with its ETag, then with its Last-Modified; fetch a
# download whole, then its second half again with Range, as a resuming client. If-Range names
# the Last-Modified: a browser asks for the identity coding with a Range (Fetch), and the ETag
# it holds is the compressed representation's, which If-Range must not match (RFC 9110 13.1.5).
SCRIPT = """
async ([api, path]) => {
  const id = {"X-Request-ID": "dash-1"};
  const first = await fetch(api + path, {cache: "no-store", headers: id});
  const etag = first.headers.get("ETag");
  const modified = first.headers.get("Last-Modified");
  const whole = new Uint8Array(await first.arrayBuffer());
  const again = await fetch(api + path, {
    cache: "no-store", headers: {...id, "If-None-Match": etag}});
  const since = await fetch(api + path, {
    cache: "no-store", headers: {"If-Modified-Since": modified}});
  const half = Math.floor(whole.length / 2);
  const rest = await fetch(api + path, {
    cache: "no-store", headers: {Range: "bytes=" + half + "-", "If-Range": modified}});
  const tail = new Uint8Array(await rest.arrayBuffer());
  const joined = new Uint8Array(half + tail.length);
  joined.set(whole.subarray(0, half));
  joined.set(tail, half);
  return {
    status: first.status, etag, modified, size: whole.length,
    requestId: first.headers.get("X-Request-ID"),
    revalidated: again.status, sinceStatus: since.status,
    rangeStatus: rest.status, contentRange: rest.headers.get("Content-Range"),
    resumedEqual: joined.length === whole.length && joined.every((b, i) => b === whole[i]),
  };
}
"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/v1/observations.csv?ally=POL", "/v1/export/sqlite"])
def test_a_page_on_another_origin_revalidates_and_resumes(
    browser: Any, live_server: str, other_origin: str, path: str
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{other_origin}/index.html")
    result = page.evaluate(SCRIPT, [live_server, path])
    page.close()
    size = result["size"]
    half = size // 2
    assert result["status"] == 200
    assert result["etag"].startswith('"')
    assert result["modified"].endswith(" GMT")
    assert result["requestId"] == "dash-1"
    assert result["revalidated"] == 304
    assert result["sinceStatus"] == 304
    assert result["rangeStatus"] == 206
    assert result["contentRange"] == f"bytes {half}-{size - 1}/{size}"
    assert result["resumedEqual"] is True
    assert errors == []
