"""Uncached latency: sequential requests to a live API whose response cache stores nothing.

`python -m bench.uncached` starts uvicorn (`app.main:create_asgi`, NATO_CACHE_MAX_BYTES=0) on
loopback, sends N sequential requests per path on one keep-alive connection after a few
warm-up ones, prints p50 and p99 per path and stops the server. Every request runs the
routing, the queries and the serialisation: the figure the issue's "p50 <= 5 ms" is about.
`make bench` (bench/run.py) calls `measure` for its uncached section.

Then the whole observations table as CSV, NDJSON and xlsx, uncached and cached (`full_table`, N/5
requests; BENCH_FULL_TABLE_ONLY=1 runs only this, with N requests).

Environment: BENCH_UNCACHED_N (requests per path, default 100), BENCH_UNCACHED_PORT (default
8181), NATO_DATABASE_URL (default: the seeded var/ SQLite file). Figures, never assertions.
"""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PATHS = [
    "/v1/allies",
    "/v1/allies/USA",
    "/v1/allies/USA/series?indicator=share_gdp",
    "/v1/observations",
    "/v1/observations?indicator=share_gdp",
    "/v1/observations?indicator=share_gdp&format=csv",
    "/v1/observations?indicator=share_gdp&format=xlsx",
    "/v1/observations?indicator=share_gdp&edition=2024-06",
    "/v1/observations?indicator=share_gdp&as_of=2025-05-01",
    "/v1/observations?ally=POL,USA&indicator=share_gdp&from=2014&to=2024",
    "/v1/observations?indicator=share_gdp&sort=-value&is_estimate=true",
    "/v1/compliance?year=2024",
    "/v1/compliance?year=2024&edition=2024-06",
    "/v1/compliance/history",
    "/v1/totals",
    "/v1/totals?measure=usd_constant&edition=2026-07",
    "/v1/revisions?ally=USA&indicator=share_gdp&year=2024",
    "/v1/revisions/changes?from_edition=2025-04&to_edition=2025-08&indicator=share_gdp&year=2024",
    "/v1/claims/check?year=2024&count=23",
    "/v1/charts/compliance.svg",
    "/v1/charts/allies/USA.svg",
    "/v1/pathways",
    "/v1/pathways?target=2&by=2030&edition=2024-06",
    "/v1/pathways/USA",
    "/v1/charts/pathways.svg",
    "/v1/charts/pathways/USA.svg",
    "/v1/editions.atom",
    "/v1/indicators",
    "/v1/editions",
    "/v1/quotes?q=twenty-three",
    "/v1/meta",
]
WARM_UP = 5


@dataclass(frozen=True)
class Timing:
    path: str
    status: int
    p50_ms: float
    p99_ms: float


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_ms), round(fraction * len(sorted_ms) + 0.5)))
    return sorted_ms[rank - 1]


def measure(
    port: int, paths: list[str], n: int = 100, headers: dict[str, str] | None = None
) -> list[Timing]:
    """p50 and p99 of `n` sequential requests per path (after WARM_UP), one connection each."""
    out = []
    for path in paths:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        timings = []
        status = 0
        try:
            for i in range(WARM_UP + n):
                started = time.perf_counter()
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                if i >= WARM_UP:
                    timings.append((time.perf_counter() - started) * 1000)
                status = response.status
                if status != 200:
                    break
        finally:
            conn.close()
        timings.sort()
        if status != 200:
            out.append(Timing(path, status, float("nan"), float("nan")))
        else:
            out.append(Timing(path, status, percentile(timings, 0.5), percentile(timings, 0.99)))
    return out


def report_lines(timings: list[Timing]) -> list[str]:
    width = max(len(t.path) for t in timings)
    lines = []
    for t in timings:
        if t.status != 200:
            lines.append(f"  {t.path:<{width}} not available (HTTP {t.status})")
        else:
            lines.append(f"  {t.path:<{width}} {t.p50_ms:7.2f} ms / {t.p99_ms:7.2f} ms")
    return lines


def run(report: Callable[[str], None], port: int, n: int) -> list[Timing]:
    """Start the API with the cache off on `port`, measure every path, report, stop it."""
    from bench.run import server, server_env  # the one way the benchmarks start uvicorn

    with server("app.main:create_asgi", port, env=server_env(NATO_CACHE_MAX_BYTES="0")):
        report(f"uncached (NATO_CACHE_MAX_BYTES=0), 1 client, sequential, p50 / p99 of {n}:")
        timings = measure(port, PATHS, n)
        for line in report_lines(timings):
            report(line)
    return timings


def full_table(report: Callable[[str], None], port: int, n: int) -> None:
    """The whole observations table as CSV, NDJSON and xlsx (every figure of the latest editions):
    rendered on every request (cache off), then from the response cache (default budget)."""
    from bench.run import server, server_env

    for label, env in (
        ("uncached (NATO_CACHE_MAX_BYTES=0)", server_env(NATO_CACHE_MAX_BYTES="0")),
        ("cached (default budget)", server_env()),
    ):
        with server("app.main:create_asgi", port, env=env):
            report(f"full table, {label}, 1 client, sequential, p50 / p99 of {n}:")
            for coding in ("identity", "gzip"):
                timings = measure(port, FULL_TABLE, n, {"Accept-Encoding": coding})
                for path, line in zip(FULL_TABLE, report_lines(timings), strict=True):
                    report(f"{line}  ({coding}, {_size(port, path, coding)})")


FULL_TABLE = ["/v1/observations.csv", "/v1/observations.ndjson", "/v1/observations.xlsx"]


def _size(port: int, path: str, coding: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": coding})
        return f"{len(conn.getresponse().read()) / 1e6:.2f} MB"
    finally:
        conn.close()


def main() -> None:
    n = int(os.environ.get("BENCH_UNCACHED_N", "100"))
    port = int(os.environ.get("BENCH_UNCACHED_PORT", "8181"))
    loadavg = Path("/proc/loadavg")
    load = " ".join(loadavg.read_text().split()[:3]) if loadavg.exists() else "?"
    print(f"load average {load}")

    def report(line: str) -> None:
        print(line, flush=True)

    if os.environ.get("BENCH_FULL_TABLE_ONLY"):
        full_table(report, port, n)
        return
    run(report, port, n)
    full_table(report, port, max(n // 5, 5))


if __name__ == "__main__":
    main()
