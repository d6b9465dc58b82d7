"""Where an uncached request's CPU goes, per layer (issue 22): py-spy samples a served API.

    .venv/bin/python -m bench.profile          # py-spy 0.4.3 on PATH or in BENCH_PYSPY

The API runs as deployed (uvicorn, NATO_ENVIRONMENT=production, response cache off) on a
fresh seeded SQLite file, pinned to CPU 0. py-spy (a sampling profiler: every thread, no
instrumentation, so the thread hops are seen too) records it while the load runs on CPU 1:

- "distinct": wrk -c32 with bench/distinct.lua, every request a new ally, year and page size;
- "full table": sequential GETs of /v1/observations.csv, one client.

Each sample is charged to one layer: walking from the innermost frame outwards, the first
frame that belongs to a known package or module of the app decides (the standard library
called by a layer is that layer's); SQLAlchemy's `do_execute` and the cursor's fetches are
SQLite's own time. Samples py-spy marks idle (threads waiting) are not counted. py-spy is a
tool, not a dependency: `pip install py-spy==0.4.3` in any venv (it needs ptrace rights).
Prints the share of each layer, then the top leaf functions. Figures, never assertions.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.attacks import seeded
from bench.run import ROOT, ensure_wrk, server, server_env, wrk
from bench.uncached import measure

PORT = int(os.environ.get("BENCH_PROFILE_PORT", "18330"))
SECONDS = int(os.environ.get("BENCH_PROFILE_SECONDS", "8"))
PYSPY = os.environ.get("BENCH_PYSPY") or shutil.which("py-spy") or "/tmp/pyspy/bin/py-spy"

# (layer, pattern on the frame's file path), first match wins.
# py-spy names files relative to their sys.path entry (sqlalchemy/engine/default.py).
LAYERS = [
    ("server protocol (uvicorn, h11/httptools)", r"^(uvicorn|h11|httptools)/"),
    ("edge (app/edge, access log, middleware)", r"^app/edge/|^structlog/|^app/logging\.py"),
    ("thread hops (anyio, starlette.concurrency)", r"^(anyio|starlette/concurrency)"),
    ("FastAPI routing and dependency resolution", r"^fastapi/(?!encoders)|^starlette/"),
    ("validation and serialization (pydantic, orjson)", r"^pydantic|^orjson|^fastapi/encoders"),
    ("SQLAlchemy (compile, execute, rows, session)", r"^sqlalchemy/"),
    ("app code (queries, reports, routers, formats)", r"^app/"),
]
# Leaves of threads that wait (py-spy cannot always tell): not CPU.
IDLE = re.compile(r"^(Condition\.wait|Event\.wait|Queue\.get|_worker) ")
# The event loop's own frame: uvloop and httptools are C, so their work (and an epoll wait)
# shows as this frame alone.
LOOP = re.compile(r"^Runner\.run \(asyncio/runners\.py")
SQLITE = re.compile(
    r"^(\w+\.)?(do_execute|do_execute_no_params|fetchall|fetchone|_fetchall_impl|"
    r"_fetchone_impl|_fetchmany_impl|fetchmany) \(.*sqlalchemy/engine/"
)
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]*)(:\d+)?\)$")


def layer_of(frames: list[str]) -> str:
    if frames and SQLITE.match(frames[-1]):
        return "SQLite (execute and fetch)"
    for frame in reversed(frames):
        match = FRAME.match(frame)
        path = match.group("file") if match else frame
        for name, pattern in LAYERS:
            if re.search(pattern, path):
                return name
    if frames and LOOP.match(frames[-1]):
        return "event loop and server in C (uvloop, httptools)"
    return "standard library outside any layer"


def summarise(raw: Path, title: str) -> None:
    shares: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("thread (", "process "))]
        if frames and IDLE.match(frames[-1]):
            continue
        shares[layer_of(frames)] += int(count)
        leaves[frames[-1] if frames else "?"] += int(count)
    total = sum(shares.values()) or 1
    print(f"\n{title}: {total} samples")
    for name, n in shares.most_common():
        print(f"  {name:52} {100 * n / total:5.1f} %")
    print("  top leaf frames:")
    for frame, n in leaves.most_common(12):
        print(f"    {100 * n / total:5.1f} %  {frame[:110]}")


def record(pid: int, out: Path, seconds: int) -> subprocess.Popen[bytes]:
    command = [
        PYSPY,
        "record",
        "-p",
        str(pid),
        "-r",
        "500",
        "-d",
        str(seconds),
        "--format",
        "raw",
        "-o",
        str(out),
        "--nonblocking",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> None:
    binary = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        database = seeded(Path(tmp))
        env = server_env(NATO_DATABASE_URL=f"sqlite:///{database}", NATO_CACHE_MAX_BYTES="0")
        print(f"load average at start {os.getloadavg()}", flush=True)
        with server("app.main:create_asgi", PORT, env=env) as proc:
            pid = _worker(proc.pid)
            measure(PORT, ["/v1/observations?ally=POL&year=2020&limit=3"], 20)
            raw = Path(tmp) / "distinct.txt"
            spy = record(pid, raw, SECONDS)
            time.sleep(0.5)
            load = wrk(
                binary,
                PORT,
                "/v1/observations?ally=POL&year=2020&limit=1",
                seconds=SECONDS - 1,
                script=ROOT / "bench" / "distinct.lua",
            )
            _wait(spy)
            print(f"distinct: {load.rps:.0f} req/s during the recording (sampling slows it)")
            summarise(raw, "one uncached distinct request (wrk -c32, bench/distinct.lua)")

            raw = Path(tmp) / "full.txt"
            stop = threading.Event()
            spy = record(pid, raw, SECONDS)
            time.sleep(0.5)
            count = 0
            started = time.perf_counter()
            while time.perf_counter() - started < SECONDS - 1:
                measure(PORT, ["/v1/observations.csv"], 1)
                count += 1
            stop.set()
            _wait(spy)
            print(
                f"\nfull table: {count} GET /v1/observations.csv (with warm-ups) in the recording"
            )
            summarise(raw, "the full-table CSV (/v1/observations.csv, sequential)")


def _worker(pid: int) -> int:
    """The uvicorn process itself serves (one worker): its pid."""
    return pid


def _wait(spy: subprocess.Popen[bytes]) -> None:
    _, err = spy.communicate(timeout=60)
    if spy.returncode:
        raise SystemExit(f"py-spy failed: {err.decode()[-500:]}")


if __name__ == "__main__":
    main()
