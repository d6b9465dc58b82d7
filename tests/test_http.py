"""HTTP edge cases: byte ranges and resumed downloads, write methods, the Vary of errors."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.edge.ranges import parse_range

VARY = "Accept, Accept-Encoding, Origin"
DOWNLOADS = ["/v1/export", "/v1/export/sqlite"]
# A resuming client asks for the identity coding (the test client asks for br and gzip).
IDENTITY = {"Accept-Encoding": "identity"}


# --- Range on data answers: ignored, every header kept -------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/v1/observations?indicator=share_gdp",
        "/v1/observations.csv",
        "/v1/observations.ndjson?ally=POL",
    ],
)
def test_range_on_a_data_answer_is_the_whole_answer_with_every_header(
    client: TestClient, url: str
) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "gzip"})
    ranged = client.get(url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert ranged.status_code == 200
    assert ranged.content == plain.content
    for name in ("etag", "cache-control", "content-encoding", "vary", "content-type"):
        assert ranged.headers[name] == plain.headers[name], name
    assert plain.headers["content-encoding"] == "gzip"
    assert "content-range" not in ranged.headers
    assert "accept-ranges" not in ranged.headers


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


def test_a_compressed_download_is_sent_whole(client: TestClient) -> None:
    whole = client.get("/v1/export/sqlite", headers={"Accept-Encoding": "gzip"})
    ranged = client.get(
        "/v1/export/sqlite", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"}
    )
    assert whole.headers["content-encoding"] == "gzip"
    assert ranged.status_code == 200
    assert ranged.content == whole.content
    assert ranged.headers["etag"] == whole.headers["etag"]


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
