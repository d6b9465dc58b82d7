"""The attacks of issues 12 and 23 (bench/attacks_edge.py) against `nato-api serve`: status
counts, slowest answer, RSS.

`python -m bench.attacks [SOURCE_DIR]` seeds a SQLite file, then runs each attack on a fresh
server started from SOURCE_DIR (default: this tree) exactly as `nato-api serve` starts it, so
the same script measures a branch before and after (e.g. a `git archive` of main in /tmp).
Each attack prints one line. Bounded in time and count; figures, never assertions.

Environment: BENCH_ATTACK_PORT (default 18180), BENCH_ATTACKS (comma-separated names, default
all).
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.run import ROOT, rss_mb, wait_ready

PORT = int(os.environ.get("BENCH_ATTACK_PORT", "18180"))
DATA = ROOT / "seed" / "data"
Result = dict[str, object]


@contextlib.contextmanager
def serve(source: Path, database: Path, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """`nato-api serve` of `source` on PORT, on `database`; stopped on exit."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(source),
        "NATO_DATABASE_URL": f"sqlite:///{database}",
        "NATO_ACCESS_LOG": "false",
        **env,
    }
    command = [sys.executable, "-c", "from app.cli import main; main()", "serve"]
    proc = subprocess.Popen(
        [*command, "--port", str(PORT)],
        cwd=source,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(PORT, "/healthz")
        yield proc
    finally:
        proc.terminate()
        try:
            # A server locked by the attack may never finish a graceful shutdown.
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(target: str, headers: dict[str, str] | None = None) -> tuple[object, float, bytes]:
    """(status or the exception's name, seconds, body) of one GET on its own connection."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, time.perf_counter() - started, b""
    finally:
        conn.close()


def together(
    calls: list[Callable[[], tuple[object, float, bytes]]],
) -> list[tuple[object, float, bytes]]:
    """Run the calls in threads released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[object, float, bytes]] = [("none", 0.0, b"")] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def summary(results: list[tuple[object, float, bytes]]) -> Result:
    return {
        "statuses": dict(collections.Counter(str(r[0]) for r in results)),
        "slowest_s": round(max(r[1] for r in results), 3),
    }


def raw(head: bytes, timeout: float = 30) -> str:
    """The status line of the answer to raw bytes, or what happened to the connection."""
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=timeout) as conn:
            sender = threading.Thread(target=_send_quietly, args=(conn, head))
            sender.start()
            first = conn.recv(200)
            sender.join()
            return first.split(b"\r\n", 1)[0].decode() or "closed"
    except OSError as exc:
        return type(exc).__name__


def _send_quietly(conn: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(data)


def is_open(conn: socket.socket) -> bool:
    """Whether the server still holds the connection open (having answered or not)."""
    conn.setblocking(False)
    try:
        while conn.recv(65536):
            pass
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False


# --- the attacks ---------------------------------------------------------------------------


def burst(targets: list[str]) -> list[tuple[object, float, bytes]]:
    """Every request sent (one connection each) before any answer is read: a real burst.
    Each answer's time runs from the first send to the end of its reading; whatever has not
    come 90 s after the burst counts as a timeout."""
    conns = [socket.create_connection(("127.0.0.1", PORT), timeout=60) for _ in targets]
    started = time.perf_counter()
    for conn, target in zip(conns, targets, strict=True):
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".encode())
    results: list[tuple[object, float, bytes]] = []
    for conn in conns:
        conn.settimeout(max(0.01, started + 90 - time.perf_counter()))
        try:
            response = http.client.HTTPResponse(conn)
            response.begin()
            results.append((response.status, time.perf_counter() - started, response.read()))
        except OSError as exc:
            results.append((type(exc).__name__, time.perf_counter() - started, b""))
        finally:
            conn.close()
    return results


# Pinned to an edition: the edition rule reads the database in its own dependency, which is
# what held connections across thread hops (issue 12).
def cold_burst_distinct(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    return summary(burst([f"/v1/observations?edition=2024-06&limit={n}" for n in range(1, 129)]))


def cold_burst_same(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    results = burst(["/v1/totals?edition=2024-06"] * 64)
    return {**summary(results), "bodies": len({r[2] for r in results if r[0] == 200})}


def origin_1mb_x300(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    return _many_origins(proc, 300, 1024 * 1024)


def origin_60kb_x5000(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    return _many_origins(proc, 5000, 60 * 1024)


def _many_origins(proc: subprocess.Popen[bytes], count: int, size: int) -> Result:
    before = rss_mb(proc.pid)[0]
    results: list[tuple[object, float, bytes]] = []

    def worker(start: int) -> None:
        for i in range(start, count, 8):
            origin = f"https://{i}.example/" + "a" * size
            results.append(get("/v1/allies", {"Origin": origin}))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**summary(results), "rss_mb": f"{before:.0f} -> {rss_mb(proc.pid)[0]:.0f}"}


def origin_12kb_x5000(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """Under the head limit: what the cache's keys cost (distinct Origins CORS allows)."""
    return _many_origins(proc, 5000, 12 * 1024)


def header_16mb(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    head = b"GET /v1/allies HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * (16 << 20) + b"\r\n\r\n"
    return {"answer": raw(head), "rss_mb": round(rss_mb(proc.pid)[0])}


def headers_20000(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    fields = b"".join(b"X-%d: y\r\n" % i for i in range(20_000))
    return {"answer": raw(b"GET /v1/allies HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n")}


def unfinished_8mb_x50(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    before = rss_mb(proc.pid)[0]
    conns = [socket.create_connection(("127.0.0.1", PORT), timeout=30) for _ in range(50)]
    chunk = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * (8 << 20)
    senders = [threading.Thread(target=_send_quietly, args=(c, chunk)) for c in conns]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    held = rss_mb(proc.pid)[0]
    still_open = sum(is_open(c) for c in conns)
    for conn in conns:
        conn.close()
    return {"rss_mb": f"{before:.0f} -> {held:.0f}", "open_after_sending": still_open}


def idle_2000(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    conns = []
    for _ in range(2000):
        with contextlib.suppress(OSError):
            conns.append(socket.create_connection(("127.0.0.1", PORT), timeout=5))
    time.sleep(12)  # longer than the default head timeout (10 s)
    still_open = sum(is_open(c) for c in conns)
    probe = get("/healthz")
    for conn in conns:
        conn.close()
    return {"opened": len(conns), "open_after_12s": still_open, "probe": probe[0]}


def slowloris_500(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    conns = [socket.create_connection(("127.0.0.1", PORT), timeout=5) for _ in range(500)]
    alive = {id(c): c for c in conns}
    for conn in conns:
        _send_quietly(conn, b"GET /v1/allies HTTP/1.1\r\nHost: a\r\n")
    for n in range(15):  # one header line a second per connection, 15 s
        time.sleep(1)
        for key, conn in list(alive.items()):
            try:
                conn.sendall(b"X-%d: y\r\n" % n)
            except OSError:
                del alive[key]
    still_open = sum(is_open(c) for c in alive.values())
    probe = get("/healthz")
    for conn in conns:
        conn.close()
    return {"open_after_15s": still_open, "probe": probe[0]}


def claim_1e_28(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    status, _, body = get("/v1/claims/check?ally=USA&year=2024&value=1e-28")
    return {"status": status, "type": json.loads(body).get("type") if body else None}


def reseed_under_load(proc: subprocess.Popen[bytes], db: Path) -> Result:
    from app.db import make_engine
    from seed.loader import load

    smaller = Path(tempfile.mkdtemp(prefix="bench-smaller-"))
    shutil.copytree(DATA, smaller, dirs_exist_ok=True)
    lines = (DATA / "observations.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("share_gdp,USA,2014,")]
    (smaller / "observations.csv").write_text("".join(kept), encoding="utf-8")
    target = "/v1/observations?ally=USA&limit=1000"
    results: list[tuple[object, float, bytes]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            results.append(get(target))

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    writer = make_engine(f"sqlite:///{db}")
    for data in (smaller, DATA) * 3:
        load(writer, data)
    done.set()
    for reader in readers:
        reader.join()
    writer.dispose()
    shutil.rmtree(smaller)
    pages = [json.loads(r[2]) for r in results if r[0] == 200]
    mixed = sum(p["total"] != len(p["items"]) for p in pages)
    return {**summary(results), "answers": len(results), "count_differs_from_items": mixed}


def restore_in_place(proc: subprocess.Popen[bytes], db: Path) -> Result:
    good = db.read_bytes()
    target = "/v1/observations?ally=USA&limit=1"
    steps = [get(target)[0]]
    with db.open("r+b") as handle:
        handle.truncate(0)
    steps.append(get(target)[0])
    db.write_bytes(good)
    steps += [get(target)[0] for _ in range(3)]
    return {"served, truncated, restored x3": steps}


ATTACKS: dict[str, tuple[Callable[[subprocess.Popen[bytes], Path], Result], dict[str, str]]] = {
    "cold_burst_distinct": (cold_burst_distinct, {}),
    "cold_burst_same": (cold_burst_same, {}),
    "origin_1mb_x300": (origin_1mb_x300, {}),
    "origin_60kb_x5000": (origin_60kb_x5000, {}),
    "origin_12kb_x5000": (origin_12kb_x5000, {}),
    "header_16mb": (header_16mb, {}),
    "headers_20000": (headers_20000, {}),
    "unfinished_8mb_x50": (unfinished_8mb_x50, {}),
    "idle_2000": (idle_2000, {}),
    "slowloris_500": (slowloris_500, {}),
    "claim_1e_28": (claim_1e_28, {}),
    "reseed_under_load": (
        reseed_under_load,
        {"NATO_CACHE_MAX_BYTES": "0", "NATO_CACHE_VERSION_CHECK_SECONDS": "0"},
    ),
    "restore_in_place": (restore_in_place, {"NATO_CACHE_MAX_BYTES": "0"}),
}


def seeded(directory: Path) -> Path:
    from app.db import make_engine
    from app.migrate import upgrade
    from seed.loader import load

    path = directory / "nato.sqlite3"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    load(engine, DATA)
    engine.dispose()
    return path


def main() -> None:
    from bench.attacks_edge import EDGE_ATTACKS  # issue 23's; they use this module's helpers

    ATTACKS.update(EDGE_ATTACKS)
    source = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    chosen = os.environ.get("BENCH_ATTACKS", ",".join(ATTACKS)).split(",")
    print(f"source {source}; load average {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-attacks-") as tmp:
        pristine = seeded(Path(tmp))
        for name in chosen:
            attack, env = ATTACKS[name]
            database = Path(tmp) / f"{name}.sqlite3"
            shutil.copyfile(pristine, database)
            with serve(source, database, **env) as proc:
                result = attack(proc, database)
            load_avg = os.getloadavg()[0]
            print(f"{name}: {json.dumps(result)} (load {load_avg:.2f})", flush=True)


if __name__ == "__main__":
    main()
