"""The attacks of issue 23 on the HTTP side: clients that stop reading, hostile numbers and
headers, junk cache keys, big compressed answers. Run by `python -m bench.attacks` with the
attacks of issue 12 (BENCH_ATTACKS=name,... picks some).

Each prints what its row of bench/ATTACKS.md needs: statuses counted, the bystanders'
latencies (a GET of /healthz and of /v1/allies every 0.1 s on fresh connections while the
attack runs), RSS before, at its peak during the attack and a minute after it ends. Sizes are
scaled down from the issue's where main would take gigabytes of a shared machine (said per
attack). Figures, never assertions.
"""

from __future__ import annotations

import collections
import contextlib
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.attacks import PORT, Result, get, is_open, together
from bench.run import rss_mb

AFTER_SECONDS = 60


class Bystanders:
    """GET /healthz and /v1/allies every 0.1 s, each on a fresh connection, in a thread;
    RSS sampled alongside."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.results: list[tuple[object, float]] = []
        self.peak_rss = rss_mb(pid)[0]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        targets = ["/healthz", "/v1/allies"]
        n = 0
        while not self._done.is_set():
            status, seconds, _ = get(targets[n % 2])
            n += 1
            self.results.append((status, seconds))
            with contextlib.suppress(OSError):
                self.peak_rss = max(self.peak_rss, rss_mb(self.pid)[0])
            self._done.wait(0.1)

    def __enter__(self) -> Bystanders:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def summary(self) -> Result:
        times = sorted(r[1] * 1000 for r in self.results)
        if not times:
            return {"bystanders": "none"}
        return {
            "bystanders": dict(collections.Counter(str(r[0]) for r in self.results)),
            "bystander_ms_p50_p95_max": [
                round(statistics.median(times), 1),
                round(times[int(len(times) * 0.95)], 1),
                round(times[-1], 1),
            ],
        }


@contextlib.contextmanager
def measured(proc: subprocess.Popen[bytes], result: Result) -> Iterator[Bystanders]:
    """Bystanders and RSS around an attack; fills `result` (RSS a minute after: see end)."""
    result["rss_before_mb"] = round(rss_mb(proc.pid)[0])
    with Bystanders(proc.pid) as watch:
        yield watch
    result.update(watch.summary())
    result["rss_peak_mb"] = round(watch.peak_rss)


def rss_a_minute_after(proc: subprocess.Popen[bytes], result: Result) -> None:
    time.sleep(AFTER_SECONDS)
    result["rss_60s_after_mb"] = round(rss_mb(proc.pid)[0])


def stalled(
    head: bytes, count: int, *, rcvbuf: int = 1024, connect_timeout: float = 5
) -> list[socket.socket]:
    """`count` connections with a `rcvbuf`-byte receive window that send `head` and read
    nothing."""
    conns = []
    for _ in range(count):
        try:
            conn = socket.socket()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            conn.settimeout(connect_timeout)
            conn.connect(("127.0.0.1", PORT))
            conn.sendall(head)
            conns.append(conn)
        except OSError:
            conn.close()
    return conns


def _stalled_readers(
    proc: subprocess.Popen[bytes], heads: Callable[[int], bytes], count: int, hold: float
) -> Result:
    result: Result = {}
    with measured(proc, result):
        conns = []
        for i in range(count):
            conns += stalled(heads(i), 1)
        result["stalled_opened"] = len(conns)
        time.sleep(hold)
        result[f"stalled_open_after_{hold:.0f}s"] = sum(is_open(c) for c in conns)
    for conn in conns:
        conn.close()
    rss_a_minute_after(proc, result)
    return result


def stalled_sqlite_x512(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """512 readers of /v1/export/sqlite (one URL) that stop reading, held 40 s."""
    head = b"GET /v1/export/sqlite HTTP/1.1\r\nHost: a\r\n\r\n"
    return _stalled_readers(proc, lambda i: head, 512, 40)


def stalled_sqlite_distinct_x256(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """256 stalled readers of /v1/export/sqlite, each with its own junk Accept (a fresh
    render each on main: 256, not the issue's 512, to keep main under 2 GB)."""

    def head(i: int) -> bytes:
        return f"GET /v1/export/sqlite HTTP/1.1\r\nHost: a\r\nAccept: */*, x/y{i}\r\n\r\n".encode()

    return _stalled_readers(proc, head, 256, 40)


def slow_readers_ndjson_x100(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """100 readers of uncached NDJSON (every observation, 2.8 MB, cache budget 0) taking one
    byte a second, 40 s."""
    result: Result = {}
    with measured(proc, result):
        conns = []
        for _ in range(100):
            target = "/v1/observations?format=ndjson"
            conns += stalled(f"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n".encode(), 1)
        result["readers"] = len(conns)
        alive = list(conns)
        received = {id(conn): b"" for conn in conns}
        for _ in range(40):
            time.sleep(1)
            for conn in list(alive):
                try:
                    conn.settimeout(0.001)
                    byte = conn.recv(1)
                    received[id(conn)] += byte
                    if not byte:
                        alive.remove(conn)
                except TimeoutError:
                    pass
                except OSError:
                    alive.remove(conn)
        result["readers_open_after_40s"] = sum(is_open(c) for c in alive)
        # The status of each reader, from the first bytes it took (a byte a second).
        result["reader_statuses"] = dict(
            collections.Counter(data[9:12].decode() or "none" for data in received.values())
        )
    for conn in conns:
        conn.close()
    rss_a_minute_after(proc, result)
    return result


def body_drip_after_405_x515(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """515 requests that announce a 1 GB body and drip it a byte every 3 s, for 21 s."""
    result: Result = {}
    head = b"POST /v1/allies HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\n"
    with measured(proc, result):
        conns = stalled(head, 515, rcvbuf=65536)
        result["opened"] = len(conns)
        for _ in range(7):
            time.sleep(3)
            for conn in conns:
                with contextlib.suppress(OSError):
                    conn.send(b"x")
        result["open_after_21s"] = sum(is_open(c) for c in conns)
    for conn in conns:
        conn.close()
    return result


def threshold_1e_99999999_x4(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """Four at once of `threshold=1E-99999999` (a 100 MB answer on main: the issue's
    1E-999999999 made 1 GB each, 6 GB for four), and one `1E-99999999999999`."""
    result: Result = {}
    target = "/v1/compliance?year=2024&threshold=1E-99999999"
    with measured(proc, result):
        answers = together([lambda: get(target)] * 4)
        huge = get("/v1/compliance?year=2024&threshold=1E-99999999999999")
    result["statuses"] = dict(collections.Counter(str(a[0]) for a in answers))
    result["largest_body_bytes"] = max(len(a[2]) for a in answers)
    result["1E-99999999999999"] = huge[0]
    return result


def range_and_if_range(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """A Range of 4,400 digits (three forms) and If-Range / If-Modified-Since dates in the
    year 99999999999."""
    get("/v1/allies")
    huge = "9" * 4400
    absurd = "Mon, 07 Dec 99999999999 12:00:00 GMT"
    statuses = [
        get("/v1/allies", {"Range": f"bytes={huge}-"})[0],
        get("/v1/allies", {"Range": f"bytes=0-{huge}"})[0],
        get("/v1/allies", {"Range": f"bytes=-{huge}"})[0],
        get("/v1/allies", {"Range": "bytes=0-9", "If-Range": absurd})[0],
        get("/v1/allies", {"If-Modified-Since": absurd})[0],
    ]
    return {"statuses": dict(collections.Counter(str(s) for s in statuses))}


def two_hosts(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """With NATO_TRUSTED_HOSTS=["api.example"]: two Hosts (untrusted first) on `/v1/meta/`
    and a citation; an absolute-form target naming another host."""
    answers = {}
    for name, head in {
        "meta_two_hosts": b"GET /v1/meta/ HTTP/1.1\r\nHost: evil.example\r\nHost: api.example\r\n",
        "citation_two_hosts": b"GET /v1/citation?edition=2024-06 HTTP/1.1\r\n"
        b"Host: evil.example\r\nHost: api.example\r\n",
        "absolute_form": b"GET http://evil.example/v1/meta/ HTTP/1.1\r\nHost: api.example\r\n",
    }.items():
        with socket.create_connection(("127.0.0.1", PORT), timeout=10) as conn:
            conn.sendall(head + b"Connection: close\r\n\r\n")
            data = b""
            with contextlib.suppress(OSError):
                while chunk := conn.recv(65536):
                    data += chunk
        status = data.split(b" ", 2)[1].decode() if data else "closed"
        location = next(
            (
                line[10:].decode()
                for line in data.split(b"\r\n")
                if line.lower().startswith(b"location: ")
            ),
            None,
        )
        answers[name] = f"{status} evil={b'evil.example' in data} location={location}"
    return answers


def junk_keys_x20000(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """20,000 small answers with distinct junk Accept and Host values (8 threads)."""
    result: Result = {}
    statuses: list[object] = []
    with measured(proc, result):

        def worker(start: int) -> None:
            for i in range(start, 20000, 8):
                headers = {"Accept": f"application/json, x/y{i}", "Host": f"h{i}.example"}
                statuses.append(get("/v1/allies/USA", headers)[0])

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    result["statuses"] = dict(collections.Counter(str(s) for s in statuses))
    rss_a_minute_after(proc, result)
    return result


def distinct_pages_16mib(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """13,558 distinct small pages (`/v1/observations?limit=1|2&offset=N`, 8 threads) into a
    16 MiB cache budget: what the budget holds against what RSS grows."""
    result: Result = {}
    statuses: list[object] = []
    targets = [
        f"/v1/observations?limit={limit}&offset={offset}"
        for limit in (1, 2)
        for offset in range(6779)
    ]
    with measured(proc, result):

        def worker(start: int) -> None:
            for i in range(start, len(targets), 8):
                statuses.append(get(targets[i])[0])

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    result["statuses"] = dict(collections.Counter(str(s) for s in statuses))
    rss_a_minute_after(proc, result)
    return result


def brotli_sqlite_x4(proc: subprocess.Popen[bytes], _db: Path) -> Result:
    """Four clients asking for /v1/export/sqlite in brotli for 20 s (a distinct junk Accept
    each time, so every answer is compressed again on main)."""
    result: Result = {}
    statuses: list[object] = []
    done = threading.Event()
    with measured(proc, result):

        def client(k: int) -> None:
            n = 0
            while not done.is_set():
                headers = {"Accept-Encoding": "br", "Accept": f"*/*, x/z{k}-{n}"}
                statuses.append(get("/v1/export/sqlite", headers)[0])
                n += 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(20)
        done.set()
        for thread in threads:
            thread.join()
    result["statuses"] = dict(collections.Counter(str(s) for s in statuses))
    return result


EDGE_ATTACKS: dict[
    str, tuple[Callable[[subprocess.Popen[bytes], Path], Result], dict[str, str]]
] = {
    "range_and_if_range": (range_and_if_range, {}),
    "two_hosts": (two_hosts, {"NATO_TRUSTED_HOSTS": '["api.example", "127.0.0.1"]'}),
    "threshold_1e_99999999_x4": (threshold_1e_99999999_x4, {}),
    "body_drip_after_405_x515": (body_drip_after_405_x515, {}),
    "stalled_sqlite_x512": (stalled_sqlite_x512, {}),
    "stalled_sqlite_distinct_x256": (stalled_sqlite_distinct_x256, {}),
    "slow_readers_ndjson_x100": (slow_readers_ndjson_x100, {"NATO_CACHE_MAX_BYTES": "0"}),
    "brotli_sqlite_x4": (brotli_sqlite_x4, {}),
    "junk_keys_x20000": (junk_keys_x20000, {}),
    "distinct_pages_16mib": (distinct_pages_16mib, {"NATO_CACHE_MAX_BYTES": str(16 << 20)}),
    # The same renders with nothing stored: what rendering alone leaves in RSS.
    "distinct_pages_uncached": (distinct_pages_16mib, {"NATO_CACHE_MAX_BYTES": "0"}),
}
