"""`python -m bench.mcp`: the time of one MCP tool call over streamable HTTP, and a burst.

Starts `nato-api serve` (production logging, access log discarded) on BENCH_MCP_PORT (default
8131) on the seeded database (NATO_DATABASE_URL, default var/), then prints, for
`compliance(year=2024, edition=2025-04)` (the REST twin: /v1/compliance?year=2024&edition=
2025-04, an answer of 32 allies):

- through the SDK's client (`mcp.Client(url)`, one connection, the protocol's own requests):
  p50 / p99 / mean of BENCH_MCP_CALLS sequential calls (default 200);
- raw: the same JSON-RPC POST on one keep-alive connection (http.client), so the server's
  share without the client library's;
- REST for comparison: GET /v1/compliance?year=2024&edition=2025-04 on the same keep-alive
  connection. The server runs with the response cache off (`NATO_CACHE_MAX_BYTES=0`: tool
  calls are never cached, so the GET is rendered each time too, as a tool call is);
- a burst of 200 tool calls at once (one connection each): statuses, wall time, and the
  server's RSS before and after.

Figures only, never assertions. Stops the server it started.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
from mcp import Client

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_MCP_PORT", "8131"))
CALLS = int(os.environ.get("BENCH_MCP_CALLS", "200"))
ARGS = {"year": 2024, "edition": "2025-04"}
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


def _body(request_id: int) -> bytes:
    message = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": "compliance", "arguments": ARGS},
    }
    return json.dumps(message).encode()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _summary(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)))]
    return (
        f"{label}: p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, "
        f"mean {statistics.fmean(ms):.2f} ms ({len(ms)} calls)"
    )


async def _sdk_calls(url: str) -> list[float]:
    times = []
    async with Client(url) as client:
        for _ in range(5):
            await client.call_tool("compliance", ARGS)
        for _ in range(CALLS):
            started = time.perf_counter()
            result = await client.call_tool("compliance", ARGS)
            times.append(time.perf_counter() - started)
            if result.is_error:
                raise SystemExit(f"tool error: {result.content}")
    return times


def _raw_calls(rest: bool = False) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    times = []
    try:
        for i in range(CALLS + 5):
            started = time.perf_counter()
            if rest:
                conn.request("GET", "/v1/compliance?year=2024&edition=2025-04")
            else:
                conn.request("POST", "/mcp", body=_body(i), headers=HEADERS)
            answer = conn.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"status {answer.status}")
            if i >= 5:
                times.append(time.perf_counter() - started)
    finally:
        conn.close()
    return times


def _burst(count: int) -> tuple[dict[int, int], float]:
    conns = []
    started = time.perf_counter()
    try:
        for i in range(count):
            conn = socket.create_connection(("127.0.0.1", PORT), timeout=60)
            conns.append(conn)
            body = _body(i)
            head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
            conn.sendall(
                f"POST /mcp HTTP/1.1\r\nHost: api\r\n{head}Content-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
        statuses: dict[int, int] = {}
        for conn in conns:
            answer = http.client.HTTPResponse(conn)
            answer.begin()
            answer.read()
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
    finally:
        for conn in conns:
            conn.close()
    return statuses, time.perf_counter() - started


def main() -> None:
    env = {
        **os.environ,
        "NATO_ENVIRONMENT": "production",
        "NATO_ACCESS_LOG": "false",
        "NATO_CACHE_MAX_BYTES": "0",
    }
    nato_api = Path(sys.executable).parent / "nato-api"
    server = subprocess.Popen(
        [str(nato_api), "serve", "--port", str(PORT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        url = f"http://127.0.0.1:{PORT}/mcp"
        print(f"compliance({ARGS}) over streamable HTTP at {url}")
        print(_summary("SDK client (mcp.Client)", anyio.run(_sdk_calls, url)))
        print(_summary("raw POST, one keep-alive connection", _raw_calls()))
        print(_summary("REST GET of the same answer, same connection", _raw_calls(rest=True)))
        before = _rss_mib(server.pid)
        statuses, seconds = _burst(200)
        after = _rss_mib(server.pid)
        print(
            f"burst of 200 calls at once: statuses {statuses}, {seconds:.2f} s, "
            f"server RSS {before:.0f} -> {after:.0f} MiB"
        )
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
