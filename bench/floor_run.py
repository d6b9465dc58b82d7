"""Uncached answers against the floor and a peer (issue 22): the API, the bare sqlite3 + orjson
ASGI app (bench/floor.py), FastAPI alone with the API's parameter declarations in front of that
same SQL (bench/framework_floor.py, "fastapi") and Datasette's SQL view, on one seeded SQLite
file.

    .venv/bin/python -m bench.floor_run

Each server runs under uvicorn (Datasette under its own command) pinned to CPU 0; wrk
(bench/distinct.lua: every request a new ally, year and page size) pinned to CPU 1, 32
connections, BENCH_DURATION seconds (default 5), BENCH_ROUNDS rounds (default 3) alternating
the servers; the load average is printed at the start of each run. The API runs as deployed
(NATO_ENVIRONMENT=production) with the response cache off (NATO_CACHE_MAX_BYTES=0). Then the
full tables, sequential, one client: the API's CSV, NDJSON and xlsx (latest edition rule,
6,779 rows) and the floor's CSV (every row of every edition). Datasette is not a dependency:
`python -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip install datasette==0.65.5` (BENCH_DATASETTE
points at another command); without it, its lines are skipped. BENCH_FLOOR_PORT: first of 5
ports (default 18310). Figures, never assertions.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.attacks import seeded
from bench.run import ROOT, Load, _pinned, ensure_wrk, server, server_env, wait_ready, wrk
from bench.uncached import WARM_UP, measure

DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PORT = int(os.environ.get("BENCH_FLOOR_PORT", "18310"))
DATASETTE = os.environ.get("BENCH_DATASETTE", "/tmp/dsvenv/bin/datasette")
FULL_N = int(os.environ.get("BENCH_FULL_N", "20"))
# Another tree's API beside this one, in the same run (e.g. a worktree of the commit before
# a change): BENCH_BASELINE=/path/to/tree; its lines are labelled "baseline".
BASELINE = os.environ.get("BENCH_BASELINE")

# Datasette's SQL view: the API's page SQL, a distinct ally, year and page size per request.
DATASETTE_LUA = """
local allies = {"ALB","BEL","BGR","CAN","HRV","CZE","DNK","EST","FIN","FRA","DEU","GRC","HUN",
  "ITA","LVA","LTU","LUX","MNE","NLD","MKD","NOR","POL","PRT","ROU","SVK","SVN","ESP","SWE",
  "TUR","GBR","USA"}
local counter, base = 0, 0
local sql = "select+o.indicator_id,o.ally_iso3,o.year,o.value_num,o.value,o.unit,o.edition_id,"
  .. "o.is_estimate,o.source_id,o.notes,a.name,o.published_on,e.expenditure_definition+"
  .. "from+observations+o+join+allies+a+on+a.iso3%3Do.ally_iso3+join+editions+e+on+"
  .. "e.id%3Do.edition_id+where+o.superseded_on+is+null+and+o.ally_iso3%3D:ally+and+"
  .. "o.year%3D:year+order+by+o.ally_iso3,o.indicator_id,o.year,o.edition_id,o.source_id+"
  .. "limit+:lim"
function init(args) base = tonumber(args[1] or "0") end
function request()
  local n = #allies
  local ally = allies[counter % n + 1]
  local year = 2014 + math.floor(counter / n) % 13
  local limit = 1 + (base + math.floor(counter / (n * 13))) % 1000
  counter = counter + 1
  return wrk.format("GET", "/nato.json?_shape=array&sql=" .. sql .. "&ally=" .. ally
    .. "&year=" .. year .. "&lim=" .. limit)
end
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def datasette(database: Path, port: int) -> Iterator[int | None]:
    if not Path(DATASETTE).exists() and not shutil.which(DATASETTE):
        yield None
        return
    proc = subprocess.Popen(
        [*_pinned("0"), DATASETTE, "serve", "--immutable", str(database), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, "/-/versions.json")
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextlib.contextmanager
def baseline(env: dict[str, str], port: int) -> Iterator[int | None]:
    if not BASELINE:
        yield None
        return
    tree = Path(BASELINE).resolve()
    with server(
        "app.main:create_asgi", port, env={**env, "PYTHONPATH": str(tree)}, cwd=tree
    ) as proc:
        yield proc.pid


def _distinct(port: int, start: int, n: int = 100) -> float:
    """Mean ms of `n` sequential requests, each a query no earlier one asked."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    allies = ("ALB", "BEL", "CAN", "DEU", "FRA", "POL", "USA", "TUR")
    started = time.perf_counter()
    try:
        for i in range(start, start + n):
            url = f"/v1/observations?ally={allies[i % 8]}&year={2014 + i % 12}&limit={1 + i}"
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000 / n


def after_reseed(
    servers: list[tuple[str, int]], database: Path, say: Callable[[str], None]
) -> None:
    """For each server, the first 100 distinct requests after a re-seed that changes the
    dataset version (one figure fewer, then back: new keys, new connections) against 100 in
    steady state, one client."""
    from app.db import make_engine
    from bench.attacks import DATA
    from seed.loader import load

    smaller = Path(tempfile.mkdtemp(prefix="bench-floor-data-"))
    shutil.copytree(DATA, smaller, dirs_exist_ok=True)
    lines = (DATA / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("share_gdp,USA,2014,")]
    (smaller / "observations.csv").write_text("".join(kept), encoding="utf-8")
    for (name, port), data in zip(servers, (smaller, DATA) * len(servers), strict=False):
        _distinct(port, 0)
        steady = _distinct(port, 100)
        writer = make_engine(f"sqlite:///{database}")
        load(writer, data)
        writer.dispose()
        first = _distinct(port, 200)
        say(
            f"after a re-seed (new version), {name}: first 100 distinct requests "
            f"{first:.2f} ms each, steady state {steady:.2f} ms ({first / steady:.2f}x)"
        )
    shutil.rmtree(smaller)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(report: Callable[[str], None] | None = None) -> None:
    """Print the figures (or hand each line to `report`: bench/run.py's README section)."""
    say = report or (lambda line: print(line, flush=True))
    binary = ensure_wrk()
    lua = ROOT / "bench" / "distinct.lua"
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        database = seeded(Path(tmp))
        ds_lua = Path(tmp) / "datasette.lua"
        ds_lua.write_text(DATASETTE_LUA)
        api_env = server_env(NATO_DATABASE_URL=f"sqlite:///{database}", NATO_CACHE_MAX_BYTES="0")
        floor_env = server_env(FLOOR_DATABASE=str(database))
        path = "/v1/observations?ally=POL&year=2020&limit=1"
        runs: dict[str, list[Load]] = {"api": [], "floor": [], "fastapi": [], "datasette": []}
        cpu: dict[str, list[float]] = {k: [] for k in (*runs, "baseline")}
        runs["baseline"] = []
        with (
            server("app.main:create_asgi", PORT, env=api_env) as api,
            server("bench.floor:app", PORT + 1, env=floor_env) as floor,
            server("bench.framework_floor:app", PORT + 4, env=floor_env) as framework,
            datasette(database, PORT + 2) as datasette_pid,
            baseline(api_env, PORT + 3) as baseline_pid,
        ):
            targets = [
                ("api", PORT, lua, api.pid),
                ("floor", PORT + 1, lua, floor.pid),
                ("fastapi", PORT + 4, lua, framework.pid),
            ]
            if datasette_pid is not None:
                targets.append(("datasette", PORT + 2, ds_lua, datasette_pid))
            if baseline_pid is not None:
                targets.insert(1, ("baseline", PORT + 3, lua, baseline_pid))
            say(f"distinct uncached queries, wrk -c32 -d{DURATION}s, {ROUNDS} rounds")
            for round_ in range(ROUNDS):
                for name, port, script, pid in targets:
                    start_load = _load()
                    url = "/" if name == "datasette" else path
                    used = cpu_seconds(pid)
                    load = wrk(
                        binary,
                        port,
                        url,
                        seconds=DURATION,
                        script=script,
                        script_args=(str(round_ * 97),),
                    )
                    runs[name].append(load)
                    # CPU per answer: what contention on a shared machine changes least.
                    ms = 1000 * (cpu_seconds(pid) - used) / max(load.rps * DURATION, 1)
                    cpu[name].append(ms)
                    say(
                        f"  round {round_ + 1} {name:9} {load.rps:8.0f} req/s p50 "
                        f"{load.p50_ms:6.2f} ms p99 {load.p99_ms:6.2f} ms non-2xx {load.errors}"
                        f" CPU {ms:5.2f} ms/request"
                        f"  (load average at start {start_load})"
                    )
            medians = {k: statistics.median(r.rps for r in v) for k, v in runs.items() if v}
            say("median req/s: " + ", ".join(f"{k} {v:.0f}" for k, v in medians.items()))
            per = {k: statistics.median(v) for k, v in cpu.items() if v}
            say("median CPU ms/request: " + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))
            ratios = [("API", "floor"), ("fastapi", "floor"), ("API", "fastapi")]
            ratios += [("API", name) for name in ("baseline", "datasette") if name in medians]
            say(", ".join(f"{a}/{b} {medians[a.lower()] / medians[b]:.2f}x" for a, b in ratios))
            say(f"full tables, 1 client, sequential, p50 / p99 of {FULL_N}")
            say(f"  (load average at start {_load()})")
            full = [
                (name, port, f"/v1/observations.{suffix}", pid)
                for name, port, pid in (
                    ("api", PORT, api.pid),
                    ("baseline", PORT + 3, baseline_pid),
                )
                if pid is not None
                for suffix in ("csv", "ndjson", "xlsx")
            ]
            full.append(("floor", PORT + 1, "/v1/observations.csv", floor.pid))
            for name, port, url, pid in full:
                used = cpu_seconds(pid)
                (t,) = measure(port, [url], FULL_N)
                ms = 1000 * (cpu_seconds(pid) - used) / (FULL_N + WARM_UP)
                say(
                    f"  {name:6} {url:26} {t.p50_ms:8.2f} ms / {t.p99_ms:8.2f} ms, "
                    f"server CPU {ms:7.2f} ms/request"
                )
            after_reseed(
                [("api", PORT)] + ([("baseline", PORT + 3)] if baseline_pid else []),
                database,
                say,
            )


if __name__ == "__main__":
    main()
