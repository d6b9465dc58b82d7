"""The MCP server (app/mcp, docs/mcp.md): every tool answers what its REST route answers for
the same arguments, bad arguments are tool errors with the REST problem's detail, and the two
transports (streamable HTTP at /mcp behind the edge, stdio through `nato-api mcp`) work through
the official SDK's own clients."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult
from sqlalchemy import Engine

from app.config import Settings
from app.db import POOL_CAPACITY, make_sessionmaker
from app.deps import SessionGate
from app.main import open_database
from app.mcp.server import build_server
from tests.live import Answer, read_answer

NATO_API = Path(sys.executable).parent / "nato-api"
TOOLS = [
    "list_allies",
    "list_editions",
    "get_figures",
    "compliance",
    "pathways",
    "revisions",
    "check_claim",
    "cite",
]
T = TypeVar("T")


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Iterator[Engine]:
    engine, _version = open_database(settings)
    yield engine
    engine.dispose()


def in_memory(engine: Engine, settings: Settings, use: Callable[[Client], Awaitable[T]]) -> T:
    """`use` a client connected in memory to a server on the test database (the SDK's test
    transport: the real protocol layer, no process, no port)."""

    async def run() -> T:
        gate = SessionGate(make_sessionmaker(engine), POOL_CAPACITY, settings.db_wait_seconds)
        server = build_server(lambda: gate, base_url="http://testserver")
        async with Client(server, raise_exceptions=True) as client:
            return await use(client)

    return anyio.run(run)


def call_all(
    engine: Engine, settings: Settings, calls: list[tuple[str, dict[str, Any]]]
) -> list[CallToolResult]:
    async def use(client: Client) -> list[CallToolResult]:
        return [await client.call_tool(name, args) for name, args in calls]

    return in_memory(engine, settings, use)


# (tool, arguments, the REST query of the same arguments, in the order the tool writes its
# pages' links)
SAME_ANSWERS: list[tuple[str, dict[str, Any], str]] = [
    ("list_allies", {}, "/v1/allies"),
    ("list_editions", {}, "/v1/editions"),
    (
        "get_figures",
        {"ally": "pl", "indicator": "share_gdp", "year": 2024, "edition": "2024-06"},
        "/v1/observations?ally=pl&indicator=share_gdp&year=2024&edition=2024-06&limit=100",
    ),
    (
        "get_figures",
        {"ally": "USA", "indicator": "share_gdp", "limit": 4, "offset": 4},
        "/v1/observations?ally=USA&indicator=share_gdp&limit=4&offset=4",
    ),
    (
        "get_figures",
        {
            "ally": "DEU,FRA",
            "year_from": 2020,
            "year_to": 2022,
            "is_estimate": False,
            "as_of": "2025-01-01",
            "limit": 5,
        },
        "/v1/observations?ally=DEU%2CFRA&from=2020&to=2022&is_estimate=false&as_of=2025-01-01"
        "&limit=5",
    ),
    (
        "compliance",
        {"year": 2024, "edition": "2025-04"},
        "/v1/compliance?year=2024&edition=2025-04",
    ),
    (
        "compliance",
        {"year": 2023, "indicator": "equipment_share", "threshold": "20", "basis": "published"},
        "/v1/compliance?year=2023&indicator=equipment_share&threshold=20&basis=published",
    ),
    ("pathways", {}, "/v1/pathways"),
    (
        "pathways",
        {"target": "2", "by": 2030, "pace_years": 2, "ally": "POL,usa", "edition": "2025-08"},
        "/v1/pathways?target=2&by=2030&pace_years=2&ally=POL,usa&edition=2025-08",
    ),
    (
        "revisions",
        {"ally": "USA", "indicator": "share_gdp", "year": 2024},
        "/v1/revisions?ally=USA&indicator=share_gdp&year=2024",
    ),
    (
        "revisions",
        {"aggregate": "NATO_EUROPE_CANADA", "indicator": "share_gdp", "year": 2024},
        "/v1/revisions?aggregate=NATO_EUROPE_CANADA&indicator=share_gdp&year=2024",
    ),
    (
        "check_claim",
        {"ally": "USA", "year": 2024, "value": "3.19"},
        "/v1/claims/check?ally=USA&year=2024&value=3.19",
    ),
    (
        "check_claim",
        {"year": 2024, "count": 23, "threshold": "2", "basis": "published"},
        "/v1/claims/check?year=2024&count=23&threshold=2&basis=published",
    ),
]


def test_every_tool_answers_the_rest_answer_for_the_same_arguments(
    engine: Engine, settings: Settings, client: TestClient
) -> None:
    results = call_all(engine, settings, [(name, args) for name, args, _ in SAME_ANSWERS])
    assert {name for name, _, _ in SAME_ANSWERS} | {"cite"} == set(TOOLS)
    for (name, args, target), result in zip(SAME_ANSWERS, results, strict=True):
        rest = client.get(target)
        assert rest.status_code == 200, (target, rest.text)
        assert not result.is_error, (name, args, result.content)
        assert result.structured_content == rest.json(), (name, args)
        # The model reads the same JSON as text.
        assert json.loads(result.content[0].text) == rest.json()  # type: ignore[union-attr]


def test_a_page_says_how_to_get_the_next_one(engine: Engine, settings: Settings) -> None:
    (first, last) = call_all(
        engine,
        settings,
        [
            ("get_figures", {"ally": "USA", "indicator": "share_gdp", "limit": 5}),
            ("get_figures", {"ally": "USA", "indicator": "share_gdp", "limit": 5, "offset": 10**6}),
        ],
    )
    page = first.structured_content
    assert page is not None
    assert (page["limit"], page["offset"], len(page["items"])) == (5, 0, 5)
    assert page["total"] > 5
    assert page["next"] == "/v1/observations?ally=USA&indicator=share_gdp&limit=5&offset=5"
    assert page["prev"] is None
    assert last.structured_content is not None
    assert last.structured_content["items"] == []
    assert last.structured_content["next"] is None


@pytest.mark.parametrize(
    ("fmt", "edition"), [("bibtex", "2024-06"), ("ris", "2025-04"), ("csl-json", None)]
)
def test_cite_gives_the_citation_rest_writes(
    engine: Engine, settings: Settings, client: TestClient, fmt: str, edition: str | None
) -> None:
    args: dict[str, Any] = {"format": fmt} | ({"edition": edition} if edition else {})
    (result,) = call_all(engine, settings, [("cite", args)])
    rest = client.get("/v1/citation", params=args)
    assert rest.status_code == 200
    assert result.structured_content == {
        "edition": edition,
        "format": fmt,
        "media_type": rest.headers["content-type"],
        "filename": rest.headers["content-disposition"].split('filename="')[1].rstrip('"'),
        "text": rest.text,
    }


# (tool, arguments, the REST request of the same arguments): refused alike.
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("compliance", {"year": "abc"}, "/v1/compliance?year=abc"),
    (
        "compliance",
        {"year": 2024, "threshold": "1e400"},
        "/v1/compliance?year=2024&threshold=1e400",
    ),
    ("compliance", {}, "/v1/compliance"),
    (
        "compliance",
        {"year": 2024, "edition": "2031-01"},
        "/v1/compliance?year=2024&edition=2031-01",
    ),
    ("compliance", {"year": 2024, "edition": "24-06"}, "/v1/compliance?year=2024&edition=24-06"),
    (
        "compliance",
        {"year": 2024, "edition": "2024-06", "as_of": "2025-01-01"},
        "/v1/compliance?year=2024&edition=2024-06&as_of=2025-01-01",
    ),
    ("compliance", {"year": 2024, "as_of": "0"}, "/v1/compliance?year=2024&as_of=0"),
    ("compliance", {"year": 2024, "indicator": "gdp"}, "/v1/compliance?year=2024&indicator=gdp"),
    ("get_figures", {"ally": "XXX"}, "/v1/observations?ally=XXX"),
    ("get_figures", {"limit": 0}, "/v1/observations?limit=0"),
    ("get_figures", {"year": 2024, "year_from": 2020}, "/v1/observations?year=2024&from=2020"),
    ("pathways", {"ally": "ZZZ"}, "/v1/pathways?ally=ZZZ"),
    ("pathways", {"by": 2020}, "/v1/pathways?by=2020"),
    ("pathways", {"target": "0"}, "/v1/pathways?target=0"),
    (
        "revisions",
        {"indicator": "share_gdp", "year": 2024},
        "/v1/revisions?indicator=share_gdp&year=2024",
    ),
    (
        "revisions",
        {"ally": "USA", "aggregate": "NATO_TOTAL", "indicator": "share_gdp", "year": 2024},
        "/v1/revisions?ally=USA&aggregate=NATO_TOTAL&indicator=share_gdp&year=2024",
    ),
    (
        "check_claim",
        {"year": 2024, "ally": "USA", "value": "1e-28"},
        "/v1/claims/check?year=2024&ally=USA&value=1e-28",
    ),
    ("check_claim", {"year": 2024, "ally": "USA"}, "/v1/claims/check?year=2024&ally=USA"),
    ("check_claim", {"year": 2024, "count": 33}, "/v1/claims/check?year=2024&count=33"),
    # Issue 23: a short number whose plain text is a billion digits.
    (
        "compliance",
        {"year": 2024, "threshold": "1E-999999999"},
        "/v1/compliance?year=2024&threshold=1E-999999999",
    ),
    ("pathways", {"target": "1E-999999999"}, "/v1/pathways?target=1E-999999999"),
    (
        "check_claim",
        {"year": 2024, "count": 3, "threshold": "1E-999999999"},
        "/v1/claims/check?year=2024&count=3&threshold=1E-999999999",
    ),
    ("cite", {"edition": "1999-01"}, "/v1/citation?edition=1999-01"),
    ("cite", {"format": "mla"}, "/v1/citation?format=mla"),
    # PostgreSQL text cannot hold NUL: refused before any query.
    (
        "compliance",
        {"year": 2024, "indicator": "share\x00gdp"},
        "/v1/compliance?year=2024&indicator=share%00gdp",
    ),
]


def test_bad_arguments_are_tool_errors_with_the_rest_problems_detail(
    engine: Engine, settings: Settings, client: TestClient
) -> None:
    results = call_all(engine, settings, [(name, args) for name, args, _ in REFUSED])
    for (name, args, target), result in zip(REFUSED, results, strict=True):
        rest = client.get(target)
        assert rest.headers["content-type"] == "application/problem+json", target
        problem = rest.json()
        assert result.is_error, (name, args)
        # The model reads the detail; the application gets the problem (instance: the tool).
        assert result.content[0].text == problem["detail"], (name, args)  # type: ignore[union-attr]
        assert result.structured_content is not None
        for key in ("type", "title", "status", "detail"):
            assert result.structured_content[key] == problem[key], (name, args, key)
        assert result.structured_content["instance"] == f"/mcp/tools/{name}"


def test_an_argument_no_tool_takes_is_refused_not_ignored(
    engine: Engine, settings: Settings
) -> None:
    # As REST's unknown query parameter: a misspelt filter must not answer unfiltered data.
    (result,) = call_all(engine, settings, [("get_figures", {"country": "USA"})])
    assert result.is_error
    assert result.structured_content is not None
    assert result.structured_content["status"] == 400
    assert result.structured_content["type"] == "/problems/unknown-parameter"
    assert result.content[0].text == (  # type: ignore[union-attr]
        "Unknown argument(s): country. This tool accepts: ally, as_of, edition, indicator, "
        "is_estimate, limit, offset, year, year_from, year_to."
    )


def test_the_tool_list_has_descriptions_and_schemas(engine: Engine, settings: Settings) -> None:
    async def use(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = in_memory(engine, settings, use)
    assert [tool.name for tool in tools] == TOOLS
    for tool in tools:
        assert tool.description, tool.name
        assert len(tool.description.splitlines()[0]) <= 100, tool.name
        assert tool.output_schema is not None
        assert tool.output_schema["type"] == "object"
        assert tool.input_schema["type"] == "object"
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint
    described = " ".join(tool.description or "" for tool in tools)
    for rule in ("null, never 0", "is_estimate", "expenditure_definition", "edition"):
        assert rule in described
    by_name = {tool.name: tool for tool in tools}
    assert by_name["compliance"].input_schema["required"] == ["year"]
    year = by_name["compliance"].input_schema["properties"]["year"]
    assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 1949, 2100)


# --- the transports -----------------------------------------------------------------------------


def _over(url_or_params: str | StdioServerParameters, mode: str = "auto") -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with Client(url_or_params, mode=mode) as client:
            tools = (await client.list_tools()).tools
            figures = await client.call_tool("compliance", {"year": 2024, "edition": "2025-04"})
            refused = await client.call_tool("revisions", {"indicator": "share_gdp", "year": "abc"})
            return {
                "version": client.protocol_version,
                "tools": [t.name for t in tools],
                "figures": figures,
                "refused": refused,
            }

    return anyio.run(run)


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_a_streamable_http_session_on_a_live_server(
    live_server: str, client: TestClient, mode: str, version: str
) -> None:
    # The stateless 2026-07-28 protocol, and an older client's initialize handshake (answered
    # without a session: any replica serves its next call).
    answers = _over(f"{live_server}/mcp", mode)
    assert answers["version"] == version
    assert answers["tools"] == TOOLS
    assert (
        answers["figures"].structured_content
        == client.get("/v1/compliance?year=2024&edition=2025-04").json()
    )
    assert answers["refused"].is_error
    assert (
        answers["refused"].content[0].text
        == client.get("/v1/revisions?indicator=share_gdp&year=abc").json()["detail"]
    )


def test_a_stdio_session_through_nato_api_mcp(settings: Settings, client: TestClient) -> None:
    params = StdioServerParameters(
        command=str(NATO_API),
        args=["mcp"],
        env={"NATO_DATABASE_URL": settings.database_url, "NATO_LOG_LEVEL": "WARNING"},
    )
    answers = _over(params)
    assert answers["tools"] == TOOLS
    assert (
        answers["figures"].structured_content
        == client.get("/v1/compliance?year=2024&edition=2025-04").json()
    )
    assert answers["refused"].is_error


# --- the edge around /mcp -----------------------------------------------------------------------

MCP_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


def _tool_call(name: str, arguments: dict[str, Any], request_id: int = 1) -> bytes:
    message = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    return json.dumps(message).encode()


def test_a_raw_call_answers_json_and_is_never_cached(client: TestClient) -> None:
    body = _tool_call("list_editions", {})
    first = client.post("/mcp", content=body, headers=MCP_HEADERS)
    again = client.post("/mcp", content=body, headers=MCP_HEADERS)
    for answer in (first, again):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert "etag" not in answer.headers  # the response cache never saw it
        assert answer.headers["x-request-id"]
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert first.json()["result"]["structuredContent"] == client.get("/v1/editions").json()
    assert first.headers["x-request-id"] != again.headers["x-request-id"]


def test_a_number_past_any_float_is_a_tool_error_not_a_crash(client: TestClient) -> None:
    # JSON's 1e400 parses to infinity: refused like any value out of bounds.
    body = (
        b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"compliance",'
        b'"arguments":{"year":2024,"threshold":1e400}}}'
    )
    answer = client.post("/mcp", content=body, headers=MCP_HEADERS)
    assert answer.status_code == 200
    result = answer.json()["result"]
    assert result["isError"] is True
    assert result["content"][0]["text"] == (
        "Fix these parameters: threshold: Input should be a finite number"
    )


def test_a_get_is_refused_with_allow_post(client: TestClient) -> None:
    # A stateless server pushes nothing: no event stream held open for a GET.
    for method in ("GET", "HEAD", "DELETE"):
        answer = client.request(method, "/mcp")
        assert answer.status_code == 405, method
        assert answer.headers["allow"] == "POST"
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_body_over_the_limit_is_refused_with_a_problem(client: TestClient) -> None:
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + b"x" * 1_000_000 + b'"}}'
    answer = client.post("/mcp", content=body, headers=MCP_HEADERS)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/content-too-large"
    assert "65536 bytes" in problem["detail"]


def test_a_chunked_body_is_refused_with_a_problem(live_server: str) -> None:
    host, port = live_server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(
            "POST",
            "/mcp",
            body=iter([_tool_call("list_allies", {})]),
            headers=MCP_HEADERS,
            encode_chunked=True,
        )
        answer = conn.getresponse()
        assert answer.status == 411
        assert answer.getheader("content-type") == "application/problem+json"
        assert json.loads(answer.read())["type"] == "/problems/length-required"
    finally:
        conn.close()


def test_mcp_calls_are_counted_in_the_metrics(client: TestClient) -> None:
    client.post("/mcp", content=_tool_call("list_allies", {}), headers=MCP_HEADERS)
    metrics = client.get("/metrics").text
    assert 'nato_http_requests_total{method="POST",route="/mcp",status="200"}' in metrics


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _post_burst(base_url: str, bodies: list[bytes]) -> list[Answer]:
    """Every request sent before any answer is read (one connection each)."""
    host, port = base_url.removeprefix("http://").split(":")
    conns: list[socket.socket] = []
    try:
        for body in bodies:
            conn = socket.create_connection((host, int(port)), timeout=60)
            conns.append(conn)
            head = "".join(f"{k}: {v}\r\n" for k, v in MCP_HEADERS.items())
            conn.sendall(
                f"POST /mcp HTTP/1.1\r\nHost: api\r\n{head}Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
        return [read_answer(conn) for conn in conns]
    finally:
        for conn in conns:
            conn.close()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for the RSS")
def test_a_burst_of_200_tool_calls_is_answered_with_memory_bounded(live_server: str) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("check_claim", {"ally": "USA", "year": 2024, "value": "3.19"}),
        ("get_figures", {"ally": "POL", "limit": 50}),
        ("pathways", {"ally": "DEU"}),
        *[("compliance", {"year": year}) for year in range(2014, 2025)],
    ]
    bodies = [_tool_call(*calls[i % len(calls)], request_id=i) for i in range(200)]
    _post_burst(live_server, bodies[:8])  # warm: code paths, pools
    before = _rss_kib()
    answers = _post_burst(live_server, bodies)
    grown_mib = (_rss_kib() - before) / 1024
    statuses = sorted({answer.status for answer in answers})
    assert set(statuses) <= {200, 503}, statuses
    answered = {i: json.loads(a.body) for i, a in enumerate(answers) if a.status == 200}
    assert answered, "no call was answered"
    for i, message in answered.items():
        assert message["id"] == i
        result = message["result"]
        # A busy database is a tool error that says 503, as REST's; nothing else fails.
        assert not result.get("isError") or result["structuredContent"]["status"] == 503, result
    # Bounded: the burst's answers are not kept (a generous ceiling for 200 calls at once).
    assert grown_mib < 150, f"RSS grew {grown_mib:.0f} MiB"


def test_a_browser_client_may_post_to_mcp_and_only_there(client: TestClient) -> None:
    asked = {
        "Origin": "https://newsroom.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, mcp-protocol-version",
    }
    allowed = client.options("/mcp", headers=asked)
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-methods"] == "POST"
    refused = client.options("/v1/allies", headers=asked)
    assert refused.status_code == 400
    assert refused.json()["refused"] == ["method", "headers"]
    get = client.options("/mcp", headers={**asked, "Access-Control-Request-Method": "GET"})
    assert get.status_code == 400
    assert "only POST is allowed" in get.json()["detail"]
    answer = client.post(
        "/mcp",
        content=_tool_call("list_editions", {}),
        headers={**MCP_HEADERS, "Origin": "https://newsroom.example"},
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


def test_nato_api_mcp_without_a_database_says_so_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    result = subprocess.run(
        [str(NATO_API), "mcp"],
        env={**os.environ, "NATO_DATABASE_URL": f"sqlite:///{missing}"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""  # stdout is the protocol's: nothing else is written there
    assert result.stderr.startswith("nato-api: cannot start: ")
    assert f"Database file {missing} does not exist" in result.stderr
