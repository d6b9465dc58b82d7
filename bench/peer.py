"""Uncached throughput against a peer: this API and Datasette on the same SQLite file.

`python -m bench.peer [SOURCE_DIR]` seeds a SQLite file, serves it with `nato-api serve` of
SOURCE_DIR (default: this tree; response cache off, NATO_CACHE_MAX_BYTES=0) and with
Datasette (`--immutable`, its own caching of the file's schema), each pinned to CPU 0, and
loads each with wrk pinned to CPU 1: 32 connections on one query, BENCH_DURATION seconds,
BENCH_ROUNDS rounds alternating the servers. Prints req/s, p50 and p99 per server and query.
Datasette is not a dependency: install it apart (python -m venv /tmp/dsvenv &&
/tmp/dsvenv/bin/pip install datasette==0.65.5) and point BENCH_DATASETTE at its command.
"api" is 32 clients on one URL (concurrent misses share one rendering: single flight);
"api, distinct keys" gives each request a key of its own (what each rendering costs).
Figures, never assertions; the machine's load average is printed with them.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.attacks import seeded
from bench.run import ROOT, Load, _pinned, ensure_wrk, fetch, wait_ready, wrk

SERVE = "from app.cli import main; main()"
DATASETTE = os.environ.get("BENCH_DATASETTE", "/tmp/dsvenv/bin/datasette")
API_PORT = int(os.environ.get("BENCH_PEER_PORT", "18182"))
PEER_PORT = API_PORT + 1
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
_SQL = (
    "/nato.json?_shape=array&sql=select+*+from+observations+where+ally_iso3%3D%3Aally"
    "+and+indicator_id%3D%3Aind+and+edition_id%3D%3Aed&ally=USA&ind=share_gdp&ed=2024-06"
)
# The same rows each way: one edition's share-of-GDP figures of one ally (11 rows), through
# Datasette's table view (which also counts the rows and suggests facets) and its SQL view.
QUERIES = [
    (
        "/v1/observations?ally=USA&indicator=share_gdp&edition=2024-06",
        "/nato/observations.json?ally_iso3=USA&indicator_id=share_gdp&edition_id=2024-06",
    ),
    ("/v1/observations?ally=USA&indicator=share_gdp&edition=2024-06", _SQL),
]


@contextlib.contextmanager
def process(command: list[str], port: int, ready: str, **env: str) -> Iterator[None]:
    proc = subprocess.Popen(
        [*_pinned("0"), *command],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, ready)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=15)


# Each request of a different key (`limit` from 11 to 999: the same 11 rows), so that no two
# concurrent requests share one rendering (single flight): what every request costs.
DISTINCT = """
n = 0
request = function()
  n = n + 1
  return wrk.format("GET", wrk.path .. "&limit=" .. (11 + n % 989))
end
"""


def _line(name: str, runs: list[Load]) -> str:
    rps = [round(r.rps) for r in runs]
    p50 = statistics.median(r.p50_ms for r in runs)
    p99 = statistics.median(r.p99_ms for r in runs)
    errors = sum(r.errors for r in runs)
    return f"  {name:18} req/s {rps} p50 {p50:.2f} ms p99 {p99:.2f} ms non-2xx {errors}"


def main() -> None:
    source = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    binary = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        database = seeded(Path(tmp))
        nato = tmp + "/nato.sqlite3"
        api = process(
            [sys.executable, "-c", SERVE, "serve", "--port", str(API_PORT)],
            API_PORT,
            "/readyz",
            PYTHONPATH=str(source),
            NATO_DATABASE_URL=f"sqlite:///{database}",
            NATO_CACHE_MAX_BYTES="0",
            NATO_ENVIRONMENT="production",
        )
        peer = process(
            [DATASETTE, "serve", "--immutable", nato, "--port", str(PEER_PORT)],
            PEER_PORT,
            "/-/versions.json",
        )
        print(f"source {source}; load average before {os.getloadavg()[0]:.2f}", flush=True)
        script = Path(tmp) / "distinct.lua"
        script.write_text(DISTINCT)
        with api, peer:
            for ours, theirs in QUERIES:
                runs: dict[str, list[Load]] = {"api": [], "api, distinct keys": [], "datasette": []}
                for _ in range(5):  # warm-up
                    fetch(API_PORT, ours)
                    fetch(PEER_PORT, theirs)
                for _ in range(ROUNDS):
                    runs["api"].append(wrk(binary, API_PORT, ours, seconds=DURATION))
                    runs["api, distinct keys"].append(
                        wrk(binary, API_PORT, ours, seconds=DURATION, script=script)
                    )
                    runs["datasette"].append(wrk(binary, PEER_PORT, theirs, seconds=DURATION))
                peer_rps = statistics.median(r.rps for r in runs["datasette"])
                ratios = ", ".join(
                    f"{name}/datasette {statistics.median(r.rps for r in loads) / peer_rps:.2f}x"
                    for name, loads in runs.items()
                    if name != "datasette"
                )
                print(f"{ours}  vs  {theirs}: {ratios}", flush=True)
                for name, loads in runs.items():
                    print(_line(name, loads), flush=True)
        print(f"load average after {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
