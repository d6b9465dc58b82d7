"""The response cache: ETag and 304, invalidation on a new dataset version, no cross-talk
between queries, formats, encodings or hosts, and the byte budget."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import brotli
import orjson
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import make_engine
from app.edge.cache import ResponseCache
from app.edge.guards import base_url
from app.edge.keys import normalize_query
from app.edge.negotiation import Offer
from app.edge.pinned import pin_answer
from app.edge.representation import compress, etag_matches
from app.main import create_app, create_asgi
from app.migrate import upgrade
from seed.loader import load
from tests.conftest import data_rows

STRONG_ETAG = re.compile(r'^"[0-9a-f]{32}(-br|-gz)?"$')


# --- a stub application that echoes what reached it, so every key dimension is visible -----


class Stub:
    """An ASGI app that records each call and answers per path (see `__call__`)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        query = scope["query_string"].decode()
        self.calls.append(
            {"method": scope["method"], "path": scope["path"], "query": query, "headers": headers}
        )
        size = int(dict(p.split("=") for p in query.split("&") if p).get("size", "10"))
        body = orjson.dumps(
            {
                "path": scope["path"],
                "query": query,
                "accept": headers.get("accept"),
                # The one way an answer may depend on the Host (app.edge.guards.base_url).
                "base": base_url(scope) if scope["path"] == "/absolute" else None,
                "conditional": headers.get("if-none-match"),
                "encoding_seen": headers.get("accept-encoding"),
                "pad": "x" * size,
            }
        )
        status, extra, media = 200, [], b"application/json"
        if scope["path"] == "/missing":
            status = 404
        elif scope["path"] == "/cookie":
            extra = [(b"set-cookie", b"a=1")]
        elif scope["path"] == "/nostore":
            extra = [(b"cache-control", b"no-store")]
        elif scope["path"] == "/own-cache-control":
            extra = [(b"cache-control", b"public, max-age=5")]
        elif scope["path"] == "/vary-cookie":
            extra = [(b"vary", b"Cookie")]
        elif scope["path"] == "/zip":
            media = b"application/zip"
        elif scope["path"] == "/edition":
            extra = [(b"x-edition", b"2024-06")]
            if "edition=" in query:  # the route declares its answer pinned, as the API's do
                pin_answer(scope)
        start = [(b"content-type", media), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": start + extra})
        await send({"type": "http.response.body", "body": body})


class Version:
    def __init__(self, value: str | None = "v1") -> None:
        self.value = value

    def __call__(self) -> str | None:
        return self.value


@pytest.fixture
def stub() -> Stub:
    return Stub()


@pytest.fixture
def version() -> Version:
    return Version()


def make_cache(
    stub: Stub,
    version: Version,
    *,
    offers: list[Offer] | None = None,
    host_paths: tuple[str, ...] = (),
    **settings: Any,
) -> ResponseCache:
    options: dict[str, Any] = {"cache_version_check_seconds": 0, **settings}
    return ResponseCache(
        stub, Settings(**options), read_version=version, offers=offers, host_paths=host_paths
    )


@pytest.fixture
def cache(stub: Stub, version: Version) -> ResponseCache:
    return make_cache(stub, version)


@pytest.fixture
def http(cache: ResponseCache) -> TestClient:
    return TestClient(cache, headers={"accept-encoding": "identity"})


# --- ETag, 304, HEAD, headers ----------------------------------------------------------------


def test_a_repeat_is_served_from_memory_with_the_same_bytes(
    http: TestClient, stub: Stub, cache: ResponseCache
) -> None:
    first = http.get("/data?size=5")
    second = http.get("/data?size=5")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers == second.headers
    assert len(stub.calls) == 1
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert dict(second.headers) == {
        "content-type": "application/json",
        "content-length": str(len(second.content)),
        "etag": first.headers["etag"],
        "cache-control": "public, max-age=60",
        "vary": "Accept, Accept-Encoding, Origin",
        "accept-ranges": "bytes",
    }
    assert STRONG_ETAG.match(first.headers["etag"])


def test_if_none_match_answers_304_with_the_validators_and_no_body(
    http: TestClient, stub: Stub
) -> None:
    etag = http.get("/data").headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = http.get("/data", headers={"if-none-match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert dict(response.headers) == {
            "etag": etag,
            "cache-control": "public, max-age=60",
            "vary": "Accept, Accept-Encoding, Origin",
            "accept-ranges": "bytes",
        }
    assert http.get("/data", headers={"if-none-match": '"other"'}).status_code == 200
    # The application never saw a conditional header: it always renders the full body.
    assert len(stub.calls) == 1


def test_a_conditional_miss_still_answers_304(http: TestClient, stub: Stub) -> None:
    etag = http.get("/data").headers["etag"]
    fresh = TestClient(make_cache(stub, Version()), headers={"accept-encoding": "identity"})
    response = fresh.get("/data", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert len(stub.calls) == 2
    assert "if-none-match" not in stub.calls[-1]["headers"]


def test_head_is_served_from_the_get_entry_without_a_body(http: TestClient, stub: Stub) -> None:
    head = http.head("/data?size=50")
    get = http.get("/data?size=50")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers == get.headers
    assert int(head.headers["content-length"]) == len(get.content)
    assert [c["method"] for c in stub.calls] == ["GET"]


def test_edition_pinned_answers_are_immutable_others_short_lived(http: TestClient) -> None:
    pinned = http.get("/edition?edition=2024-06")
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert pinned.headers["x-edition"] == "2024-06"
    assert http.get("/edition").headers["cache-control"] == "public, max-age=60"
    assert http.get("/edition?as_of=2025-01-01").headers["cache-control"] == "public, max-age=60"
    assert http.get("/own-cache-control").headers["cache-control"] == "public, max-age=5"


def test_max_age_is_a_setting(stub: Stub, version: Version) -> None:
    http = TestClient(make_cache(stub, version, cache_max_age=300))
    assert http.get("/data").headers["cache-control"] == "public, max-age=300"


# --- what is never cached --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/missing", "/cookie", "/nostore", "/vary-cookie", "/healthz"])
def test_errors_cookies_no_store_foreign_vary_and_probes_are_not_cached(
    http: TestClient, stub: Stub, cache: ResponseCache, path: str
) -> None:
    first = http.get(path)
    http.get(path)
    assert len(stub.calls) == 2
    assert len(cache) == 0
    assert "etag" not in first.headers


def test_other_methods_pass_through(http: TestClient, stub: Stub, cache: ResponseCache) -> None:
    http.post("/data")
    http.post("/data")
    assert [c["method"] for c in stub.calls] == ["POST", "POST"]
    assert len(cache) == 0


def test_a_range_is_cut_from_the_stored_answer(
    http: TestClient, stub: Stub, cache: ResponseCache
) -> None:
    ranged = http.get("/data", headers={"range": "bytes=0-1"})
    plain = http.get("/data")
    assert len(stub.calls) == 1  # stored by the ranged request, a hit for the plain one
    assert "range" not in stub.calls[0]["headers"]
    assert (ranged.status_code, ranged.content) == (206, plain.content[:2])
    assert ranged.headers["etag"] == plain.headers["etag"]
    assert ranged.headers["content-range"] == f"bytes 0-1/{len(plain.content)}"
    assert len(cache) == 1


LOADED = b"Mon, 07 Dec 2026 06:00:00 GMT"


def test_if_modified_since_answers_304_when_if_none_match_is_absent(stub: Stub) -> None:
    cache = ResponseCache(
        stub,
        Settings(cache_version_check_seconds=0),
        read_version=Version(),
        last_modified={"v1": LOADED}.get,
    )
    http = TestClient(cache, headers={"accept-encoding": "identity"})
    whole = http.get("/data")
    assert whole.headers["last-modified"] == LOADED.decode()
    for since, status in {
        LOADED.decode(): 304,
        "Tue, 08 Dec 2026 00:00:00 GMT": 304,
        "Mon, 07 Dec 2026 05:59:59 GMT": 200,
        "not a date": 200,
    }.items():
        response = http.get("/data", headers={"if-modified-since": since})
        assert response.status_code == status, since
    # If-None-Match decides when both are sent (RFC 9110 13.1.3).
    both = {"if-modified-since": LOADED.decode(), "if-none-match": '"other"'}
    assert http.get("/data", headers=both).status_code == 200
    assert len(stub.calls) == 1


def test_an_unreadable_dataset_version_passes_everything_through(
    stub: Stub, version: Version
) -> None:
    version.value = None
    http = TestClient(make_cache(stub, version))
    response = http.get("/data")
    http.get("/data")
    assert len(stub.calls) == 2
    assert "etag" not in response.headers


# --- no cross-talk ---------------------------------------------------------------------------


def test_queries_are_keyed_after_sorting_their_parameters(http: TestClient, stub: Stub) -> None:
    a = http.get("/data?a=1&b=2")
    b = http.get("/data?b=2&a=1")
    assert a.content == b.content
    assert len(stub.calls) == 1
    # A repeated parameter keeps its order: the two orders are two queries.
    usa_first = http.get("/data?ally=USA&ally=DEU")
    deu_first = http.get("/data?ally=DEU&ally=USA")
    assert orjson.loads(usa_first.content)["query"] == "ally=USA&ally=DEU"
    assert orjson.loads(deu_first.content)["query"] == "ally=DEU&ally=USA"
    assert http.get("/data?a=2&b=2").json()["query"] == "a=2&b=2"
    assert len(stub.calls) == 4


def test_formats_are_never_shared(http: TestClient, stub: Stub) -> None:
    as_json = http.get("/data", headers={"accept": "application/json"})
    as_csv = http.get("/data", headers={"accept": "text/csv"})
    explicit = http.get("/data?format=csv")
    assert as_json.json()["accept"] == "application/json"
    assert as_csv.json()["accept"] == "text/csv"
    assert explicit.json()["query"] == "format=csv"
    assert as_json.headers["etag"] != as_csv.headers["etag"]
    assert len(stub.calls) == 3
    # The same Accept, spaced or cased differently, shares the answer ...
    again = http.get("/data", headers={"accept": "Text/CSV "})
    assert again.content == as_csv.content
    assert len(stub.calls) == 3
    # ... but another Accept never does, even one that would negotiate the same format:
    # routes negotiate differently (an SVG chart refuses application/json).
    other = http.get("/data", headers={"accept": "text/csv;q=0.9, text/html;q=0.1"})
    assert other.json()["accept"] == "text/csv;q=0.9, text/html;q=0.1"
    assert len(stub.calls) == 4


def test_encodings_are_never_shared_and_decode_to_the_same_body(
    http: TestClient, stub: Stub
) -> None:
    plain = http.get("/data?size=4000", headers={"accept-encoding": "identity"})
    gz = http.get("/data?size=4000", headers={"accept-encoding": "gzip"})
    br = http.get("/data?size=4000", headers={"accept-encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert gz.headers["content-encoding"] == "gzip"
    assert br.headers["content-encoding"] == "br"
    # The client decodes: every representation carries the same identity body.
    assert plain.content == gz.content == br.content
    assert int(gz.headers["content-length"]) < len(plain.content)
    assert int(br.headers["content-length"]) < len(plain.content)
    etags = {plain.headers["etag"], gz.headers["etag"], br.headers["etag"]}
    assert len(etags) == 3
    assert gz.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'
    # The application never compresses: it sees no Accept-Encoding.
    assert {c["query"] for c in stub.calls} == {"size=4000"}
    assert plain.json()["encoding_seen"] is None
    # A 304 compares against the representation being negotiated.
    not_gz = http.get(
        "/data?size=4000",
        headers={"accept-encoding": "gzip", "if-none-match": plain.headers["etag"]},
    )
    assert not_gz.status_code == 200


def test_small_bodies_and_compressed_types_are_sent_as_they_are(http: TestClient) -> None:
    small = http.get("/data?size=10", headers={"accept-encoding": "gzip"})
    archive = http.get("/zip?size=4000", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert "content-encoding" not in archive.headers
    assert STRONG_ETAG.match(archive.headers["etag"])
    assert not archive.headers["etag"].endswith('-gz"')


def test_an_answer_written_with_the_host_is_served_but_never_stored(
    http: TestClient, stub: Stub
) -> None:
    hosts = ["a.example", "b.example", "a.example"]
    bases = [http.get("/absolute", headers={"host": h}).json()["base"] for h in hosts]
    assert bases == ["http://a.example", "http://b.example", "http://a.example"]
    assert len(stub.calls) == 3


def test_on_a_host_path_each_host_has_its_entry(stub: Stub, version: Version) -> None:
    cache = make_cache(stub, version, host_paths=("/absolute",))
    http = TestClient(cache, headers={"accept-encoding": "identity"})
    hosts = ["a.example", "b.example", "A.example", "b.example"]
    bases = [http.get("/absolute", headers={"host": h}).json()["base"] for h in hosts]
    assert bases == ["http://a.example", "http://b.example", "http://a.example", "http://b.example"]
    assert len(stub.calls) == 2


def test_junk_accept_and_host_values_share_one_entry(stub: Stub, version: Version) -> None:
    # Issue 23: each junk Accept or Host was a fresh render and an entry of its own.
    offers = [Offer("json", "application/json"), Offer("csv", "text/csv")]
    http = TestClient(make_cache(stub, version, offers=offers), headers={"accept-encoding": "br"})
    for i in range(50):
        junk = {"host": f"h{i}.example", "accept": f"application/json, x/y{i};q=0.9, */*"}
        assert http.get("/data", headers=junk).status_code == 200
    assert len(stub.calls) == 1
    # The same preference written otherwise shares it too; another preference does not.
    http.get("/data", headers={"accept": "x/z, Application/JSON;q=1, */*;q=0.5, x/w"})
    assert len(stub.calls) == 1
    http.get("/data", headers={"accept": "text/csv, application/json"})
    http.get("/data", headers={"accept": "text/*"})
    http.get("/data")
    assert len(stub.calls) == 4


# --- invalidation and the byte budget --------------------------------------------------------


def test_a_new_dataset_version_empties_the_cache(
    http: TestClient, stub: Stub, version: Version, cache: ResponseCache
) -> None:
    http.get("/data")
    http.get("/data?a=1")
    assert len(cache) == 2
    version.value = "v2"
    http.get("/data")
    assert len(stub.calls) == 3
    assert len(cache) == 1
    assert cache.stats.invalidations == 1


def test_the_byte_budget_holds_and_evicts_the_least_recently_used(
    stub: Stub, version: Version
) -> None:
    budget = 12_000
    cache = make_cache(stub, version, cache_max_bytes=budget)
    http = TestClient(cache, headers={"accept-encoding": "identity"})
    for n in range(20):
        http.get(f"/data?size=1000&n={n}")
        assert cache.bytes <= budget
        http.get("/data?size=1000&n=0")  # keep n=0 the most recently used
    assert 2 <= len(cache) < 20
    assert cache.stats.evictions == 20 - len(cache)
    calls = len(stub.calls)
    http.get("/data?size=1000&n=0")
    http.get("/data?size=1000&n=19")
    assert len(stub.calls) == calls
    assert cache.bytes > budget - 3_000  # full: evictions only made room
    http.get("/data?size=1000&n=1")  # long evicted
    assert len(stub.calls) == calls + 1


def test_an_entry_over_a_quarter_of_the_budget_is_served_but_not_stored(
    stub: Stub, version: Version
) -> None:
    cache = make_cache(stub, version, cache_max_bytes=8_000)
    http = TestClient(cache, headers={"accept-encoding": "identity"})
    big = http.get("/data?size=3000")
    assert STRONG_ETAG.match(big.headers["etag"])
    assert len(cache) == 0
    assert cache.bytes == 0


def test_a_zero_budget_stores_nothing_but_still_validates(stub: Stub, version: Version) -> None:
    http = TestClient(make_cache(stub, version, cache_max_bytes=0))
    etag = http.get("/data").headers["etag"]
    assert http.get("/data", headers={"if-none-match": etag}).status_code == 304
    assert len(stub.calls) == 2


# --- the helpers -----------------------------------------------------------------------------


def test_normalize_query_and_etag_matches() -> None:
    assert normalize_query(b"b=2&a=1&a=0&c=") == (("a", "1"), ("a", "0"), ("b", "2"), ("c", ""))
    assert normalize_query(b"x=%41+b") == (("x", "A b"),)
    assert etag_matches(b' W/"abc" ', b'"abc"')
    assert not etag_matches(b'"abcd"', b'"abc"')


# --- the real application --------------------------------------------------------------------


def test_the_served_app_caches_and_validates_meta(client: TestClient) -> None:
    first = client.get("/v1/meta", headers={"accept-encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    # Origin: CORS answers differ by origin (the cache keys on it too).
    assert first.headers["vary"] == "Accept, Accept-Encoding, Origin"
    etag = first.headers["etag"]
    assert STRONG_ETAG.match(etag)
    again = client.get("/v1/meta", headers={"accept-encoding": "gzip", "if-none-match": etag})
    assert again.status_code == 304
    # Probes always reach the database.
    assert "etag" not in client.get("/readyz").headers


def test_a_hit_never_enters_fastapi(settings: Settings) -> None:
    app = create_app(settings)
    entered: list[str] = []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            entered.append(scope["path"])
        await app(scope, receive, send)

    with TestClient(ResponseCache(counting, settings, read_version=lambda: "fixed")) as http:
        assert http.get("/v1/meta").status_code == 200
        assert http.get("/v1/meta").status_code == 200
        assert http.head("/v1/meta").status_code == 200
    assert entered == ["/v1/meta"]


def _changed_copy(data_copy: Path) -> None:
    """Change one published figure: the United States' 2024 share in the 2024-06 edition."""
    path = data_copy / "observations.csv"
    text = path.read_text(encoding="utf-8")
    old = next(
        r
        for r in data_rows("observations.csv")
        if (r["indicator"], r["ally_iso3"], r["year"], r["edition"])
        == ("share_gdp", "USA", "2024", "2024-06")
    )["value"]
    line = f"share_gdp,USA,2024,{old},2024-06,"
    assert text.count(line) == 1
    path.write_text(text.replace(line, "share_gdp,USA,2024,9.99,2024-06,"), encoding="utf-8")


def test_a_reseed_is_served_without_a_restart(scratch_url: str, data_copy: Path) -> None:
    upgrade(scratch_url)
    writer = make_engine(scratch_url)
    load(writer, data_copy)
    settings = Settings(database_url=scratch_url, cache_version_check_seconds=0)
    with TestClient(create_asgi(settings)) as http:
        before = http.get("/v1/meta")
        etag = before.headers["etag"]
        assert http.get("/v1/meta", headers={"if-none-match": etag}).status_code == 304
        _changed_copy(data_copy)
        load(writer, data_copy)
        after = http.get("/v1/meta", headers={"if-none-match": etag})
        assert after.status_code == 200
        assert after.headers["etag"] != etag
        assert after.json()["dataset_version"] != before.json()["dataset_version"]
        exported = http.get("/v1/export")
        assert b"share_gdp,USA,2024,9.99,2024-06," in _zip_member(exported.content)
    writer.dispose()


def _zip_member(archive: bytes, name: str = "observations.csv") -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        return bundle.read(name)


def test_decoders_agree_with_the_codings() -> None:
    body = b"x" * 5000
    assert gzip.decompress(compress(body, "gzip")) == body
    assert brotli.decompress(compress(body, "br")) == body
    assert compress(body, "gzip") == compress(body, "gzip")


def test_a_cached_chart_is_not_served_to_an_accept_it_refuses(client: TestClient) -> None:
    """Regression: keyed on the negotiated format, a cached SVG answered `Accept: json`."""
    svg = client.get("/v1/charts/compliance.svg?year=2023")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    refused = client.get(
        "/v1/charts/compliance.svg?year=2023", headers={"Accept": "application/json"}
    )
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"


def test_cors_headers_of_a_cached_answer_follow_the_origin(database_url: str) -> None:
    """CORS sits inside the cache: a hit must still carry the right origin's headers."""
    settings = Settings(database_url=database_url, cors_origins=["https://dash.example"])
    with TestClient(create_asgi(settings)) as http:
        for _ in range(2):  # a miss, then a hit
            allowed = http.get("/v1/editions", headers={"Origin": "https://dash.example"})
            other = http.get("/v1/editions", headers={"Origin": "https://evil.example"})
            plain = http.get("/v1/editions")
            assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
            assert "access-control-allow-origin" not in other.headers
            assert "access-control-allow-origin" not in plain.headers
            assert allowed.headers["vary"] == "Accept, Accept-Encoding, Origin"


def test_a_reseed_keeps_the_etag_of_pinned_answers_whose_bytes_did_not_change(
    scratch_url: str, data_copy: Path
) -> None:
    """A re-seed that changes one 2024-06 figure: answers pinned to 2024-06 change (and their
    ETag), answers pinned to another edition keep their bytes and their ETag."""
    upgrade(scratch_url)
    writer = make_engine(scratch_url)
    load(writer, data_copy)
    settings = Settings(database_url=scratch_url, cache_version_check_seconds=0)
    other = "/v1/observations?ally=USA&indicator=share_gdp&edition=2025-08"
    changed = "/v1/observations?ally=USA&indicator=share_gdp&edition=2024-06"
    with TestClient(create_asgi(settings)) as http:
        before = {url: http.get(url) for url in (other, changed)}
        _changed_copy(data_copy)
        load(writer, data_copy)
        after = {url: http.get(url) for url in (other, changed)}
    writer.dispose()
    assert after[other].content == before[other].content
    assert after[other].headers["etag"] == before[other].headers["etag"]
    assert after[changed].content != before[changed].content
    assert after[changed].headers["etag"] != before[changed].headers["etag"]


def test_routes_declare_pinned_answers(client: TestClient) -> None:
    """Immutable is what a route declares (the edition-rule dependency, a chart of named
    editions, an edition's citation), never guessed from a parameter's name."""
    immutable = "public, max-age=31536000, immutable"
    editions = [row["id"] for row in data_rows("editions.csv")]
    pinned = [
        f"/v1/observations?indicator=share_gdp&edition={editions[-1]}",
        f"/v1/compliance?year=2024&edition={editions[-1]}",
        f"/v1/charts/allies/POL.svg?edition={editions[-2]}&edition={editions[-1]}",
        f"/v1/citation?edition={editions[-1]}",
    ]
    for path in pinned:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == immutable, path
    short = [
        "/v1/observations?indicator=share_gdp",
        "/v1/charts/allies/POL.svg",
        f"/v1/revisions/changes?from_edition={editions[-2]}&to_edition={editions[-1]}",
    ]
    for path in short:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "immutable" not in response.headers["cache-control"], path


def test_a_reseed_changes_the_keys_the_next_request_checks(
    scratch_url: str, data_copy: Path
) -> None:
    """The natural keys are kept per dataset version (app/queries/keys.py): a re-seed that
    renames an ally is seen by the very next request, in its checks and in its answer."""
    upgrade(scratch_url)
    writer = make_engine(scratch_url)
    load(writer, data_copy)
    settings = Settings(database_url=scratch_url, cache_version_check_seconds=0)
    with TestClient(create_asgi(settings)) as http:
        assert http.get("/v1/observations?ally=PL&year=2024").status_code == 200
        names = {i["ally"]: i["name"] for i in http.get("/v1/pathways").json()["items"]}
        assert names["POL"] == "Poland"
        allies = data_copy / "allies.csv"
        text = allies.read_text(encoding="utf-8")
        line = "POL,PL,616,Poland,Poland,"
        assert text.count(line) == 1
        allies.write_text(text.replace(line, "POL,PL,616,Polska,Poland,"), encoding="utf-8")
        load(writer, data_copy)
        names = {i["ally"]: i["name"] for i in http.get("/v1/pathways").json()["items"]}
        assert names["POL"] == "Polska"
        refused = http.get("/v1/observations?ally=polska")
        assert refused.status_code == 422
        assert "Did you mean: POL?" in refused.json()["detail"]
    writer.dispose()


def test_every_offer_of_the_api_is_known_to_the_cache_key() -> None:
    """An Accept range that meets an offer the cache was not told of would be keyed away."""
    import importlib
    import pkgutil

    import app
    from app.main import OFFERS

    found: set[Offer] = set()
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            values = value if isinstance(value, list | tuple) else [value]
            found |= {v for v in values if isinstance(v, Offer)}
    assert found
    assert found <= set(OFFERS)


@pytest.mark.parametrize("size", [10, 1000, 20000])
def test_the_budget_counts_what_an_entry_really_holds(size: int) -> None:
    """Issue 23: small entries held 5.5x what the budget counted (orjson's 4 KB buffer behind
    a 20-byte body, and the headers' objects), so 64 MiB of budget was 350 MB of RSS."""
    import gc
    import tracemalloc

    from app.edge.representation import make_entry

    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"x-content-type-options", b"no")],
    }
    store: dict[str, Any] = {}
    counted = 0
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            body = orjson.dumps({"n": n, "pad": "x" * size})
            entry = make_entry(
                start, body, coding="gzip", cache_control=b"public", route=None, last_modified=None
            )
            key = repr(("/v1/observations", (("offset", str(n)),), "", "gzip", b"", b""))
            store[key] = entry
            counted += entry.size + len(key)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.75 * counted <= held <= counted
