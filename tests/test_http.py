"""HTTP edge cases: byte ranges and resumed downloads, write methods, the Vary of errors."""

from __future__ import annotations

import datetime as dt
import http.client
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.edge.ranges import parse_range

VARY = "Accept, Accept-Encoding, Origin"
DOWNLOADS = ["/v1/export", "/v1/export/sqlite"]
# A resuming client asks for the identity coding (the test client asks for br and gzip).
IDENTITY = {"Accept-Encoding": "identity"}


# --- Range on data answers: a part of the selected representation --------------------------


def raw(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
    """Status, headers and the bytes as sent (not decoded: a part of a gzip stream is not a
    gzip stream)."""
    with client.stream("GET", url, headers=headers) as response:
        return response.status_code, response.headers, b"".join(response.iter_raw())


@pytest.mark.parametrize(
    "url",
    [
        "/v1/observations?indicator=share_gdp",
        "/v1/observations.csv",
        "/v1/observations.ndjson?ally=POL",
        "/v1/allies",
    ],
)
@pytest.mark.parametrize("coding", ["gzip", "br", "identity"])
def test_a_range_on_a_data_answer_is_a_part_of_the_representation_with_every_header(
    client: TestClient, url: str, coding: str
) -> None:
    _, plain, whole = raw(client, url, {"Accept-Encoding": coding})
    size = len(whole)
    assert plain["accept-ranges"] == "bytes"
    assert plain.get("content-encoding", "identity") == coding
    for header, (start, stop) in {
        "bytes=0-99": (0, 100),
        "bytes=100-": (100, size),
        "bytes=-30": (size - 30, size),
    }.items():
        status, part, body = raw(client, url, {"Accept-Encoding": coding, "Range": header})
        assert (status, body) == (206, whole[start:stop]), header
        assert part["content-range"] == f"bytes {start}-{stop - 1}/{size}"
        assert part["content-length"] == str(stop - start)
        for name in ("etag", "cache-control", "vary", "content-type", "last-modified"):
            assert part[name] == plain[name], name
        assert part.get("content-encoding") == plain.get("content-encoding")


def test_every_stored_answer_says_when_it_was_loaded(client: TestClient) -> None:
    meta = client.get("/v1/meta").json()
    loaded = dt.datetime.fromisoformat(meta["loaded_at"])
    for url in ("/v1/allies", "/v1/observations.csv", "/v1/export"):
        modified = parsedate_to_datetime(client.head(url).headers["last-modified"])
        assert modified == loaded.replace(microsecond=0), url


def test_head_carries_the_length_and_ranges_of_the_get(client: TestClient) -> None:
    for url in ("/v1/observations.csv", "/v1/observations.ndjson", "/v1/compliance?year=2024"):
        for coding in ("gzip", "identity"):
            head = client.head(url, headers={"Accept-Encoding": coding})
            _, _, body = raw(client, url, {"Accept-Encoding": coding})
            assert head.headers["content-length"] == str(len(body)), (url, coding)
            assert head.headers["accept-ranges"] == "bytes"


# --- Range on downloads ---------------------------------------------------------------------


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_download_answers_ranges(client: TestClient, url: str) -> None:
    whole = client.get(url, headers=IDENTITY)
    size = len(whole.content)
    assert whole.headers["accept-ranges"] == "bytes"
    cases = {
        "bytes=0-99": (0, 100),
        "bytes=100-": (100, size),
        "bytes=-50": (size - 50, size),
        f"bytes={size - 10}-{size + 500}": (size - 10, size),
    }
    for header, (start, stop) in cases.items():
        part = client.get(url, headers={**IDENTITY, "Range": header})
        assert part.status_code == 206, header
        assert part.content == whole.content[start:stop], header
        assert part.headers["content-range"] == f"bytes {start}-{stop - 1}/{size}"
        assert part.headers["content-length"] == str(stop - start)
        assert part.headers["etag"] == whole.headers["etag"]
        assert part.headers["content-type"] == whole.headers["content-type"]
    head = client.head(url, headers={**IDENTITY, "Range": "bytes=0-99"})
    assert (head.status_code, head.content, head.headers["content-length"]) == (206, b"", "100")


def test_a_compressed_download_is_ranged_over_its_coded_bytes(client: TestClient) -> None:
    _, whole_headers, whole = raw(client, "/v1/export/sqlite", {"Accept-Encoding": "gzip"})
    status, headers, part = raw(
        client, "/v1/export/sqlite", {"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
    )
    assert whole_headers["content-encoding"] == headers["content-encoding"] == "gzip"
    assert (status, part) == (206, whole[:100])
    assert headers["etag"] == whole_headers["etag"]


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_range_past_the_end_is_416(client: TestClient, url: str) -> None:
    size = len(client.get(url, headers=IDENTITY).content)
    response = client.get(url, headers={**IDENTITY, "Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.headers["vary"] == VARY
    assert "etag" not in response.headers
    assert response.json() == {
        "type": "/problems/range-not-satisfiable",
        "title": "Range not satisfiable",
        "status": 416,
        "detail": f"The range starts past the end: this answer has {size} bytes "
        f"(bytes 0-{size - 1}).",
        "instance": url,
    }


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=x-"])
def test_a_range_that_is_not_one_byte_range_gets_the_whole_download(
    client: TestClient, header: str
) -> None:
    response = client.get("/v1/export", headers={"Range": header})
    assert response.status_code == 200
    assert response.content == client.get("/v1/export").content


def test_if_range_sends_the_part_only_while_the_validator_holds(client: TestClient) -> None:
    url = "/v1/export/sqlite"
    whole = client.get(url, headers=IDENTITY)
    etag, modified = whole.headers["etag"], whole.headers["last-modified"]
    holds = [etag, modified]
    fails = ['"another"', f"W/{etag}", "Mon, 01 Jan 2001 00:00:00 GMT", "not a date"]
    for validator in holds:
        headers = {**IDENTITY, "Range": "bytes=10-19", "If-Range": validator}
        response = client.get(url, headers=headers)
        assert (response.status_code, response.content) == (206, whole.content[10:20])
    for validator in fails:
        headers = {**IDENTITY, "Range": "bytes=10-19", "If-Range": validator}
        response = client.get(url, headers=headers)
        assert (response.status_code, response.content) == (200, whole.content), validator


def test_an_interrupted_download_resumes_byte_for_byte(live_server: str) -> None:
    """What `curl -C -` does: keep the bytes received, ask for the rest If-Range the ETag."""
    where = urlsplit(live_server)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    connection.request("GET", "/v1/export/sqlite")
    first = connection.getresponse()
    etag = first.getheader("etag") or ""
    received = first.read(300_000)  # then the connection drops
    connection.close()
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    connection.request(
        "GET",
        "/v1/export/sqlite",
        headers={"Range": f"bytes={len(received)}-", "If-Range": etag},
    )
    rest = connection.getresponse()
    assert rest.status == 206
    assembled = received + rest.read()
    connection.close()
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    connection.request("GET", "/v1/export/sqlite")
    assert assembled == connection.getresponse().read()
    assert assembled.startswith(b"SQLite format 3\x00")
    connection.close()


@pytest.mark.parametrize(
    ("header", "size", "span"),
    [
        (b"bytes=0-0", 10, (0, 1)),
        (b"bytes=9-", 10, (9, 10)),
        (b"bytes=-20", 10, (0, 10)),
        (b"BYTES = 2-3", 10, (2, 4)),
        (b"bytes=10-", 10, (-1, -1)),
        (b"bytes=-0", 10, (-1, -1)),
        (b"bytes=-1", 0, (-1, -1)),
        (b"bytes=3-2", 10, None),
        (b"bytes=+1-2", 10, None),
        (b"bytes=1-2,4-5", 10, None),
        (b"bytes=", 10, None),
    ],
)
def test_parse_range(header: bytes, size: int, span: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == span


# --- write methods and the Vary of errors ---------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("body", [b"", b'{"year": 2024}', b"x" * 100_000])
def test_a_write_method_is_405_with_allow_whatever_its_body(
    client: TestClient, method: str, body: bytes
) -> None:
    response = client.request(method, "/v1/observations", content=body)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "This API is read-only: use GET (or HEAD)."
    assert response.headers["vary"] == VARY


def test_a_chunked_write_is_405_too(client: TestClient) -> None:
    response = client.post("/v1/meta", content=iter([b"a", b"b"]))
    assert response.status_code == 405


def test_a_get_with_a_body_is_still_413(client: TestClient) -> None:
    response = client.request("GET", "/v1/meta", content=b"x" * 10)
    assert response.status_code == 413
    assert response.headers["vary"] == VARY


@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        ("/v1/nothing-here", {}, 404),
        ("/v1/allies/XXX", {}, 404),
        ("/v1/observations", {"Accept": "image/png"}, 406),
        ("/v1/observations?year=1800", {}, 422),
        ("/v1/observations?colour=red", {}, 400),
        ("/v1/meta?" + "&".join(f"p{i}=1" for i in range(100)), {}, 400),
    ],
)
def test_every_error_carries_the_vary_of_a_success(
    client: TestClient, url: str, headers: dict[str, str], status: int
) -> None:
    response = client.get(url, headers={**headers, "Origin": "https://example.org"})
    assert response.status_code == status
    assert response.headers["vary"] == client.get("/v1/meta").headers["vary"] == VARY
