"""`make bench`: the API against a bare ASGI app and a minimal Starlette app, plus cold figures.

Servers run under the same uvicorn command pinned to CPU 0, wrk runs pinned to CPU 1 (on
loopback), each run bounded in time, servers alternating per path. Prints req/s, p50 and p99
per server and the ratios API/bare and API/Starlette; then 304 answers, uncached latency
(cache budget 0), distinct uncached queries and the full tables against the stack's floor
(bench/floor_run.py), the boot time of a fresh clone, the seed time, RSS after load and req/s
with 1 and 2 workers. Writes the report into bench/README.md. Figures, never assertions.

Environment: BENCH_DURATION (s per run, default 3), BENCH_ROUNDS (default 2), BENCH_PORT
(first of 6 ports, default 8121), NATO_DATABASE_URL (default: the seeded var/ SQLite file).
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import uncached
from bench.fixtures import Recorded, save

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "bench" / "README.md"
DURATION = int(os.environ.get("BENCH_DURATION", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PORT = int(os.environ.get("BENCH_PORT", "8121"))
CONNECTIONS = 32
PATHS = [
    "/v1/allies",
    "/v1/compliance?year=2024",
    "/v1/observations?indicator=share_gdp",
    "/v1/observations?indicator=share_gdp&format=csv",
    "/v1/observations?indicator=share_gdp&format=xlsx",
    "/v1/totals",
    "/v1/pathways",
    "/v1/meta",
]
SERVER_CPU, LOAD_CPU = "0", "1"
MARK_START, MARK_END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


# --- processes -----------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing Debian's package (apt-get install -y wrk)", flush=True)
    apt = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(apt, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
        subprocess.run(apt, capture_output=True, check=False)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is required (apt-get install wrk) and could not be installed")
    return found


def _pinned(cpus: str) -> list[str]:
    return ["taskset", "-c", cpus] if shutil.which("taskset") else []


def server_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    # The API as deployed (the Dockerfile's setting): JSON log lines, access log on.
    env.setdefault("NATO_ENVIRONMENT", "production")
    env.update(extra)
    return env


@contextmanager
def server(
    target: str,
    port: int,
    *,
    workers: int = 1,
    cpus: str = SERVER_CPU,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    ready: str = "/readyz",
) -> Iterator[subprocess.Popen[bytes]]:
    """uvicorn serving `target` with the flags `nato-api serve` uses; always stopped."""
    command = [
        *_pinned(cpus),
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-server-header",
        "--no-proxy-headers",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if target.endswith("create_asgi"):
        command.append("--factory")
    # The servers' own output (an access-log line per request) is written, then discarded.
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env or server_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port, ready)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_ready(port: int, path: str, timeout: float = 20.0) -> float:
    """Seconds until `path` answers 200."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            status, _, _ = fetch(port, path)
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server on port {port} did not become ready in {timeout} s")


def fetch(
    port: int, url: str, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", url, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.getheaders()]
        return response.status, raw, body
    finally:
        conn.close()


def rss_mb(pid: int) -> list[float]:
    """RSS of a server and of its worker processes, in MB."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    out = []
    for p in pids:
        match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{p}/status").read_text())
        if match:
            out.append(int(match.group(1)) / 1024)
    return out


# --- load ----------------------------------------------------------------------------------


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    binary: str,
    port: int,
    url: str,
    *,
    seconds: int = DURATION,
    headers: dict[str, str] | None = None,
    cpus: str | None = LOAD_CPU,
    threads: int = 1,
    connections: int = CONNECTIONS,
    script: Path | None = None,
    script_args: tuple[str, ...] = (),
) -> Load:
    command = [
        *(_pinned(cpus) if cpus else []),
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{port}{url}")
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)\s*$", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)\s*$", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Load(rps, p50, p99, int(errors.group(1)) if errors else 0)


def combine(runs: list[Load]) -> Load:
    return Load(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
    )


# --- the report ----------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        match = re.search(r"model name\s*:\s*(.+)", info.read_text())
        cpu = match.group(1).strip() if match else cpu
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if cpu else "?"
    return (
        f"{dt.date.today().isoformat()}, load average {load} at start, commit {commit or '?'}, "
        f"{cpu}, {os.cpu_count()} CPUs, "
        f"Linux {platform.release()}, Python {platform.python_version()}, "
        f"{wrk_version.splitlines()[0].split(' [')[0] if wrk_version else 'wrk'}"
    )


def record(port: int, urls: list[str]) -> tuple[dict[str, Recorded], list[str]]:
    answers: dict[str, Recorded] = {}
    missing = []
    for url in urls:
        status, headers, body = fetch(port, url)
        if status != 200:
            missing.append(url)
            continue
        kept = [(k, v) for k, v in headers if k not in (b"date", b"server")]
        answers[url] = Recorded(status, kept, body)
    return answers, missing


def bench_paths(binary: str, report: Report, tmp: Path) -> tuple[str | None, str | None]:
    """The three servers on every available path; returns (a path, its ETag) for 304 runs."""
    apps = {"api": ("app.main:create_asgi", PORT), "bare": ("bench.bare:app", PORT + 1)}
    apps["starlette"] = ("bench.starlette_app:app", PORT + 2)
    with server(apps["api"][0], PORT) as api:
        answers, missing = record(PORT, PATHS)
        fixtures = tmp / "answers.json"
        save(fixtures, answers)
        env = server_env(BENCH_FIXTURES=str(fixtures))
        probe = next(iter(answers))
        with (
            server(apps["bare"][0], PORT + 1, env=env, ready=probe),
            server(apps["starlette"][0], PORT + 2, env=env, ready=probe),
        ):
            for _, port in apps.values():
                wrk(binary, port, probe, seconds=1)  # warm-up
            report(
                f"{'path':<50} {'server':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
                f" {'API/bare':>9} {'API/Starl.':>10}"
            )
            for url in PATHS:
                if url in missing:
                    report(f"{url:<50} not available (no such route in this build)")
                    continue
                assert fetch(PORT + 1, url)[2] == answers[url].body  # a byte-identical replay
                runs: dict[str, list[Load]] = {name: [] for name in apps}
                for _ in range(ROUNDS):
                    for name, (_, port) in apps.items():
                        runs[name].append(wrk(binary, port, url))
                result = {name: combine(r) for name, r in runs.items()}
                for name, load in result.items():
                    ratios = ""
                    if name == "api":
                        ratios = (
                            f" {load.rps / result['bare'].rps:>8.2f}x"
                            f" {load.rps / result['starlette'].rps:>9.2f}x"
                            f"  (p99 {load.p99_ms / result['bare'].p99_ms:.2f}x bare)"
                        )
                    errors = f"  [{load.errors} non-2xx]" if load.errors else ""
                    report(
                        f"{url if name == 'api' else '':<50} {name:<10} {load.rps:>9.0f}"
                        f" {load.p50_ms:>8.2f} {load.p99_ms:>8.2f}{ratios}{errors}"
                    )
            first = next((u for u in PATHS if u not in missing), None)
            etag = None
            if first:
                etag = dict(answers[first].headers).get(b"etag", b"").decode() or None
            if first and etag:
                report()
                bare_200 = combine([wrk(binary, PORT + 1, first) for _ in range(ROUNDS)])
                conditional = {"If-None-Match": etag}
                api_304 = combine(
                    [wrk(binary, PORT, first, headers=conditional) for _ in range(ROUNDS)]
                )
                report(
                    f"304 on {first}: API {api_304.rps:.0f} req/s, p50 {api_304.p50_ms:.2f} ms,"
                    f" p99 {api_304.p99_ms:.2f} ms = {api_304.rps / bare_200.rps:.2f}x the bare"
                    f" app's 200 ({bare_200.rps:.0f} req/s)"
                )
        report()
        report(f"RSS of the API worker after the load above: {rss_mb(api.pid)[0]:.0f} MB")
    return first, etag


def bench_uncached(report: Report) -> None:
    """Sequential requests with the cache storing nothing: every request runs the query."""
    report()
    uncached.run(report, PORT + 3, 100)
    report()
    uncached.full_table(report, PORT + 3, 20)


def bench_floor(report: Report) -> None:
    """Distinct uncached queries and the full tables against the stack's floor, FastAPI alone
    and Datasette (bench/floor_run.py; Datasette's lines only where it is installed)."""
    from bench import floor_run  # it imports this module's servers and wrk

    report()
    report("uncached against the floor (python -m bench.floor_run, response cache off):")
    floor_run.main(report)


def bench_workers(binary: str, report: Report, url: str | None) -> None:
    if url is None:
        return
    report()
    report(f"workers (wrk unpinned, 2 threads, 64 connections, {url}):")
    for workers in (1, 2):
        with server("app.main:create_asgi", PORT + 4, workers=workers, cpus="0,1") as proc:
            time.sleep(0.5 * workers)  # every worker up
            for _ in range(workers * 4):
                fetch(PORT + 4, url)
            load = combine(
                [
                    wrk(binary, PORT + 4, url, cpus=None, threads=2, connections=64)
                    for _ in range(ROUNDS)
                ]
            )
            # With workers, the supervisor's children are the workers (and a small helper).
            sizes = rss_mb(proc.pid)
            largest = max(sizes[1:] if workers > 1 else sizes)
            report(
                f"  {workers} worker(s): {load.rps:.0f} req/s, p50 {load.p50_ms:.2f} ms,"
                f" p99 {load.p99_ms:.2f} ms; RSS of the largest worker {largest:.0f} MB"
            )


def bench_fresh_clone(report: Report, tmp: Path) -> None:
    """Clone, migrate, seed and boot in a temporary folder with the installed environment."""
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    url = f"sqlite:///{tmp / 'fresh.sqlite3'}"
    env = server_env(NATO_DATABASE_URL=url, PYTHONPATH=str(clone))
    cli = [sys.executable, "-c", "from app.cli import main; main()"]
    timings = {}
    for step in ("migrate", "seed"):
        started = time.perf_counter()
        out = subprocess.run(
            [*cli, step], cwd=clone, env=env, capture_output=True, text=True, check=True
        )
        timings[step] = time.perf_counter() - started
        if step == "seed":
            match = re.search(r"([\d.]+) s$", out.stdout.strip())
            timings["load"] = float(match.group(1)) if match else float("nan")
    started = time.perf_counter()
    with server("app.main:create_asgi", PORT + 5, env=env, cwd=clone):
        timings["boot"] = time.perf_counter() - started
    report()
    report(
        f"fresh clone: migrate {timings['migrate']:.2f} s; seed {timings['seed']:.2f} s for the"
        f" command ({timings['load']:.2f} s to validate and load); boot to a 200 on /readyz"
        f" {timings['boot']:.2f} s"
    )


def write_readme(lines: list[str]) -> None:
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    if MARK_START not in text or MARK_END not in text:
        return
    head, rest = text.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    block = "\n".join(["", "```", *lines, "```", ""])
    README.write_text(f"{head}{MARK_START}{block}{MARK_END}{tail}", encoding="utf-8")


def main() -> None:
    binary = ensure_wrk()
    report = Report()
    report(f"machine: {machine()}")
    report(
        f"wrk: 1 thread, {CONNECTIONS} connections, {DURATION} s per run, median of {ROUNDS}"
        f" alternating rounds; servers on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}"
    )
    report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nato-bench-") as name:
        tmp = Path(name)
        first, _ = bench_paths(binary, report, tmp)
        bench_uncached(report)
        bench_floor(report)
        bench_workers(binary, report, first)
        bench_fresh_clone(report, tmp)
    report()
    report(f"bench took {time.perf_counter() - started:.0f} s")
    write_readme(report.lines)


if __name__ == "__main__":
    main()
