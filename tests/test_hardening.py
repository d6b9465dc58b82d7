"""Bad input is a 4xx problem+json that says what to fix; security headers, request ids, CORS,
trusted hosts, size limits, metrics, JSON logs, and a runtime that cannot write.

The bad-input tests are generated from the OpenAPI document, so every operation added later
is covered: each query parameter gets values its schema refuses, and each path parameter
needs an example in PATH_EXAMPLES (the test fails until one is added).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import DEFAULT_DATA_DIR, Settings
from app.main import create_app, create_asgi
from seed.loader import read_dataset
from tests.live import raw_request

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}

# A valid value for every path parameter of the API (extend when a route adds one).
PATH_EXAMPLES: dict[str, str] = {
    "ally": "USA",
    "iso3": "USA",
    "indicator": "share_gdp",
    "indicator_id": "share_gdp",
    "edition": "2024-06",
    "edition_id": "2024-06",
    "source": "nato-def-exp-2024-xlsx",
    "source_id": "nato-def-exp-2024-xlsx",
    "quote": "",  # filled from quotes.csv below
    "quote_id": "",
    "aggregate": "NATO_TOTAL",
    "year": "2024",
}

# Operations whose required parameters only work in combination: a query that answers 200.
BASE_QUERIES: dict[str, dict[str, str]] = {
    "/v1/compliance": {"year": "2024"},
    "/v1/claims/check": {"year": "2024", "ally": "USA", "value": "3.19"},
    "/v1/revisions": {"indicator": "share_gdp", "year": "2024", "ally": "USA"},
    "/v1/revisions/changes": {"from_edition": "2024-06", "to_edition": "2025-04"},
}

INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE observations; --",
    '"><script>alert(1)</script>',
    "../../../../etc/passwd",
    "%00",
    "\u0000",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "é" * 300,
]

MAX_URL = Settings().max_url_length


def _spec() -> dict[str, Any]:
    return create_app(Settings(database_url="sqlite://")).openapi()


SPEC = _spec()
OPERATIONS = sorted(
    (path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method == "get"
)
OPERATION_IDS = [path for path, _ in OPERATIONS]


def assert_problem(response: Any, status: int, type_: str | None = None) -> dict[str, Any]:
    """A problem+json of `status` that names the path and says what to fix."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert len(body["detail"]) > 10
    if type_ is not None:
        assert body["type"] == type_
    return body


def _quote_id() -> str:
    from tests.conftest import data_rows

    return data_rows("quotes.csv")[0]["id"]


def _example(name: str) -> str:
    if name not in PATH_EXAMPLES:
        pytest.fail(f"add a valid example for path parameter {name!r} to PATH_EXAMPLES")
    value = PATH_EXAMPLES[name]
    return value or _quote_id()


def _schema_of(param: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = param.get("schema", {})
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return {**schema, **option}
    return schema


def example_url(path: str, op: dict[str, Any]) -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", _example(param["name"]))
    return path


def required_query(op: dict[str, Any]) -> dict[str, str]:
    base = next((q for path, q in BASE_QUERIES.items() if SPEC["paths"][path]["get"] is op), None)
    if base is not None:
        return dict(base)
    required = {}
    for param in op.get("parameters", []):
        if param["in"] == "query" and param.get("required"):
            examples = param.get("examples") or _schema_of(param).get("examples")
            if not examples:
                pytest.fail(f"required parameter {param['name']!r} needs an example")
            first = (
                next(iter(examples.values()))["value"]
                if isinstance(examples, dict)
                else examples[0]
            )
            required[param["name"]] = str(first)
    return required


def _refused_values(schema: dict[str, Any]) -> list[str]:
    """Values the parameter's schema refuses: each must be answered with a 4xx."""
    kind = schema.get("type")
    values: list[str] = []
    if kind == "integer":
        values += ["abc", "1.5", "1e3", "0x10", "٢٠٢٤", "99999999999999999999999999999999", ""]
        if "minimum" in schema:
            values.append(str(int(schema["minimum"]) - 1))
        if "maximum" in schema:
            values.append(str(int(schema["maximum"]) + 1))
    elif kind == "number":
        values += ["abc", "nan-ish", ""]
    elif kind == "boolean":
        values += ["maybe", "2"]
    elif "enum" in schema:
        values += ["nope", *INJECTIONS[:2]]
    elif schema.get("format") == "date":
        values += ["2024-13-45", "2024-02-30", "yesterday", "20240101", "2024-1-1"]
    elif "pattern" in schema:
        values += [v for v in INJECTIONS if not re.search(schema["pattern"], v)]
    return values


BAD_QUERIES = [
    pytest.param(path, op, param["name"], value, id=f"{path}?{param['name']}={value[:12]!r}")
    for path, op in OPERATIONS
    for param in op.get("parameters", [])
    if param["in"] == "query"
    for value in _refused_values(_schema_of(param))
]


@pytest.mark.parametrize(("path", "op", "name", "value"), BAD_QUERIES)
def test_a_value_the_schema_refuses_is_a_4xx_problem(
    client: TestClient, path: str, op: dict[str, Any], name: str, value: str
) -> None:
    params = {**required_query(op), name: value}
    response = client.get(example_url(path, op), params=params)
    body = assert_problem(response, response.status_code)
    assert response.status_code in (400, 404, 422)
    assert name in body["detail"]


FREE_TEXT = [
    pytest.param(path, op, param["name"], value, id=f"{path}?{param['name']}={value[:12]!r}")
    for path, op in OPERATIONS
    for param in op.get("parameters", [])
    if param["in"] == "query" and not _refused_values(_schema_of(param))
    for value in INJECTIONS
]


@pytest.mark.parametrize(("path", "op", "name", "value"), FREE_TEXT)
def test_injection_strings_are_answered_never_a_5xx(
    client: TestClient, path: str, op: dict[str, Any], name: str, value: str
) -> None:
    response = client.get(example_url(path, op), params={**required_query(op), name: value})
    if response.status_code >= 400:
        assert_problem(response, response.status_code)
        assert response.status_code < 500


PATH_PARAMS = [
    pytest.param(path, op, param["name"], value, id=f"{path}:{param['name']}={value[:12]!r}")
    for path, op in OPERATIONS
    for param in op.get("parameters", [])
    if param["in"] == "path"
    for value in [*INJECTIONS[:4], "ZZZ", "0", "-1", "\x00", "a%00b"]
]


@pytest.mark.parametrize(("path", "op", "name", "value"), PATH_PARAMS)
def test_an_unknown_path_parameter_is_a_4xx_problem(
    client: TestClient, path: str, op: dict[str, Any], name: str, value: str
) -> None:
    quoted = value.replace("/", "%2F").replace("\x00", "%00")
    url = example_url(path.replace("{" + name + "}", quoted), op)
    response = client.get(url, params=required_query(op))
    assert response.status_code in (400, 404, 422), response.text
    assert_problem(response, response.status_code)


@pytest.mark.parametrize(("path", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_rejects_unknown_and_repeated_parameters(
    client: TestClient, path: str, op: dict[str, Any]
) -> None:
    url, required = example_url(path, op), required_query(op)
    body = assert_problem(
        client.get(url, params={**required, "colour": "red"}), 400, "/problems/unknown-parameter"
    )
    assert body["errors"] == [
        {"parameter": "colour", "in": "query", "message": "unknown parameter"}
    ]
    repeated = [*required.items(), ("format", "json"), ("format", "csv")]
    body = assert_problem(client.get(url, params=repeated), 400, "/problems/bad-request")
    assert body["detail"] == "Query parameter(s) given more than once: format. Give each once."


@pytest.mark.parametrize(("path", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_is_read_only(client: TestClient, path: str, op: dict[str, Any]) -> None:
    url = example_url(path, op)
    for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = client.request(method, url)
        assert_problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(("path", "op"), OPERATIONS, ids=OPERATION_IDS)
def test_head_is_get_without_a_body(client: TestClient, path: str, op: dict[str, Any]) -> None:
    url, params = example_url(path, op), required_query(op)
    get, head = client.get(url, params=params), client.head(url, params=params)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if path != "/metrics":  # the counters move between the two requests
        assert head.headers["content-length"] == get.headers["content-length"]


JSON_OPERATIONS = [
    pytest.param(path, op, id=path)
    for path, op in OPERATIONS
    if "application/json" in op["responses"]["200"].get("content", {})
]


@pytest.mark.parametrize(("path", "op"), JSON_OPERATIONS)
def test_an_accept_header_the_resource_cannot_meet_is_406(
    client: TestClient, path: str, op: dict[str, Any]
) -> None:
    url, params = example_url(path, op), required_query(op)
    for accept in ("image/png", "text/html", "application/xml;q=1, application/json;q=0"):
        assert_problem(
            client.get(url, params=params, headers={"Accept": accept}),
            406,
            "/problems/not-acceptable",
        )
    assert client.get(url, params=params, headers={"Accept": "text/html, */*;q=0.1"}).is_success


def test_every_route_reads_only() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    methods = {m for r in app.routes if isinstance(r, APIRoute) for m in r.methods}
    assert methods == {"GET"}


def test_the_runtime_engine_refuses_writes(client: TestClient) -> None:
    app: Any = client.app
    while not hasattr(app, "state"):
        app = app.app
    with app.state.sessionmaker() as session:
        delete = text("DELETE FROM quotes")
        with pytest.raises(DBAPIError) as caught:
            session.execute(delete)
    assert re.search(r"readonly|read-only", str(caught.value))
    assert client.get("/v1/meta").json()["row_counts"]["quotes"] > 0


# --- URLs, encodings, sizes ------------------------------------------------------------------


def test_unknown_paths_are_404_problems(client: TestClient) -> None:
    for path in ("/nope", "/v1", "/v2/meta", "/v1/meta/extra", "/%2e%2e/%2e%2e/etc/passwd"):
        body = assert_problem(client.get(path), 404)
        assert body["detail"] == "No such resource. See /docs for the list of paths."


def test_a_url_over_the_limit_is_414_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/meta", params={"x": "a" * MAX_URL}), 414)
    assert body["type"] == "/problems/uri-too-long"
    assert body["detail"].startswith(f"The URL is {MAX_URL + len('/v1/meta') + 2} characters")
    assert_problem(client.get("/" + "a" * MAX_URL), 414)


def test_too_many_query_parameters_is_400(client: TestClient) -> None:
    params = [(f"p{i}", "1") for i in range(100)]
    body = assert_problem(client.get("/v1/meta", params=params), 400, "/problems/bad-request")
    assert body["detail"] == "Too many query parameters; the limit is 64."


def test_a_request_body_is_refused_with_413(client: TestClient) -> None:
    response = client.request("GET", "/v1/meta", content=b"x" * 10)
    assert_problem(response, 413, "/problems/content-too-large")


def test_broken_encodings_on_the_wire_are_4xx_problems(live_server: str) -> None:
    url = live_server
    cases = [
        b"GET /v1/meta?%ZZ=1 HTTP/1.1",  # broken percent-encoding in a name
        b"GET /v1/meta?format=%ZZ HTTP/1.1",  # ... and in a value
        b"GET /v1/meta?format=%FF%FE HTTP/1.1",  # invalid UTF-8 once decoded
        b"GET /v1/meta?%C0%AF=1 HTTP/1.1",  # overlong UTF-8
        b"GET /v1/meta/%FF HTTP/1.1",
        b"GET /v1/%E2%82 HTTP/1.1",
    ]
    for line in cases:
        status, response = raw_request(url, line)
        assert status in (400, 404, 406, 422), (line, response)
        head, _, body = response.partition(b"\r\n\r\n")
        assert b"content-type: application/problem+json" in head.lower(), (line, response)
        assert json.loads(body)["status"] == status
    # A request line of 64 KiB and more, read whole or in parts: httptools cannot parse it
    # (uvicorn answered a text/plain 400), and a close with it half unread was a reset.
    for length in (20_000, 70_000, 300_000):
        status, response = raw_request(url, b"GET /v1/meta?" + b"a" * length + b" HTTP/1.1")
        assert status == 414, (length, response[:200])
        head, _, body = response.partition(b"\r\n\r\n")
        assert b"content-type: application/problem+json" in head.lower()
        assert json.loads(body)["type"] == "/problems/uri-too-long"


# --- security headers, request ids, CORS, hosts ----------------------------------------------


def test_security_headers_on_every_kind_of_response(client: TestClient) -> None:
    responses = [
        client.get("/v1/meta"),
        client.get("/healthz"),
        client.get("/nope"),
        client.post("/v1/meta"),
        client.get("/v1/meta", params={"x": "a" * MAX_URL}),
        client.get("/static/docs/swagger-ui.css"),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"
        )
        assert "server" not in response.headers
        assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_carry_a_policy_that_allows_only_their_own_scripts(
    client: TestClient, page: str
) -> None:
    response = client.get(page)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(re.findall(r"'sha256-", policy)) == len(inline)


def test_request_ids_are_unique_and_a_safe_incoming_one_is_kept(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1:2"})
    assert kept.headers["x-request-id"] == "lb-7f3a.1:2"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["x-request-id"])


def test_cors_allows_any_origin_to_read_never_with_credentials(client: TestClient) -> None:
    response = client.get("/v1/meta", headers={"Origin": "https://dashboard.example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        "/v1/meta",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"
    refused = client.options(
        "/v1/meta",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert refused.status_code == 400


def test_cors_origins_and_trusted_hosts_are_configurable(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        cors_origins=["https://dashboard.example.org"],
        trusted_hosts=["api.example.org", "*.nato.example"],
    )
    with TestClient(create_asgi(settings), base_url="http://api.example.org") as client:
        allowed = client.get("/healthz", headers={"Origin": "https://dashboard.example.org"})
        assert allowed.headers["access-control-allow-origin"] == "https://dashboard.example.org"
        other = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        assert client.get("/healthz", headers={"Host": "eu.nato.example"}).status_code == 200
        body = assert_problem(
            client.get("/healthz", headers={"Host": "evil.example"}),
            400,
            "/problems/untrusted-host",
        )
        assert body["detail"].startswith("This Host header is not served here")


# --- metrics and logs ------------------------------------------------------------------------


def _sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name + ("{" + wanted + "}" if labels else "")) + r" (\S+)"
    match = re.search(f"^{pattern}$", metrics, re.MULTILINE)
    assert match, f"{name} {labels} not in metrics"
    return float(match.group(1))


def test_metrics_count_requests_latency_cache_and_dataset(settings: Settings) -> None:
    asgi = create_asgi(settings)
    with TestClient(asgi) as client:
        for _ in range(3):
            client.get("/v1/meta")
        client.post("/v1/meta")
        client.get("/no/such/path")
        client.get("/openapi.json")
        client.get("/static/docs/favicon.png")
        response = client.get("/metrics")
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text_ = response.text
    count = _sample(text_, "nato_http_requests_total", method="GET", route="/v1/meta", status="200")
    assert count == 3
    assert (
        _sample(text_, "nato_http_requests_total", method="POST", route="/v1/meta", status="405")
        == 1
    )
    assert (
        _sample(text_, "nato_http_requests_total", method="GET", route="<unmatched>", status="404")
        == 1
    )
    for route in ("/openapi.json", "/static/docs/{path}"):
        assert _sample(text_, "nato_http_requests_total", method="GET", route=route, status="200")
    assert _sample(text_, "nato_http_request_duration_seconds_count", route="/v1/meta") == 4
    assert (
        _sample(text_, "nato_http_request_duration_seconds_bucket", le="+Inf", route="/v1/meta")
        == 4
    )
    # /v1/meta: one miss then two hits; /openapi.json, the favicon and the unknown path: one
    # miss each (a 404 is looked up, then not stored); the POST is no lookup.
    assert _sample(text_, "nato_cache_hits_total") == 2
    assert _sample(text_, "nato_cache_misses_total") == 4
    version = read_dataset(DEFAULT_DATA_DIR).version
    assert _sample(text_, "nato_dataset_info", version=version) == 1


def test_production_logs_are_json_lines_with_the_request_id(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=database_url, environment="production")
    try:
        with TestClient(create_asgi(settings)) as client:
            capsys.readouterr()
            ok = client.get("/v1/meta")
            missing = client.get("/nope", headers={"X-Request-ID": "trace-42"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    finally:
        create_asgi(Settings(database_url=database_url))  # back to development logs
    access = [line for line in lines if line["event"] == "request"]
    assert [(a["path"], a["status"], a["request_id"]) for a in access] == [
        ("/v1/meta", 200, ok.headers["x-request-id"]),
        ("/nope", 404, "trace-42"),
    ]
    assert access[0]["route"] == "/v1/meta"
    assert access[0]["level"] == "info"
    assert isinstance(access[0]["duration_ms"], float)
    assert all("timestamp" in line and "level" in line for line in lines)
    assert missing.headers["x-request-id"] == "trace-42"


class _Writes:
    """A stdout that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_production_access_lines_are_written_whole_in_pipe_sized_writes(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several workers may share one pipe: a write of at most PIPE_BUF (4096) bytes is atomic,
    # so batches go out in whole lines of at most that size; a longer line goes out alone.
    settings = Settings(database_url=database_url, environment="production")
    stdout = _Writes()
    monkeypatch.setattr("sys.stdout", stdout)
    paths = [f"/nope/{'x' * length}" for length in (10, 300, 900, 2500, 4000) for _ in range(7)]
    try:
        with TestClient(create_asgi(settings)) as client:
            ids = [client.get(path).headers["x-request-id"] for path in paths]
            ids.append(client.get("/v1/meta").headers["x-request-id"])
    finally:
        monkeypatch.undo()
        create_asgi(Settings(database_url=database_url))  # back to development logs
    access = []
    for write in stdout.writes:
        lines = write.splitlines()
        assert write.endswith("\n")
        assert len(write.encode()) <= 4096 or len(lines) == 1
        access += [json.loads(line) for line in lines if '"event":"request"' in line]
    assert [(a["path"], a["request_id"]) for a in access] == list(
        zip([*paths, "/v1/meta"], ids, strict=True)
    )
    assert {a["status"] for a in access} == {404, 200}
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["timestamp"]) for a in access
    )
