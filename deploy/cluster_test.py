"""The cluster's promises, checked from outside on a running `make cluster` (`make cluster-test`).

Through nginx, on loopback, bounded in requests and seconds:
1. a load of distinct uncached URLs while one API process is SIGKILLed: no request fails;
2. a repeated pinned-edition URL is an nginx cache HIT;
3. the standby is in recovery and the API replicas' connections are on it, not the primary;
4. the standby stopped: only requests in flight fail, each a 503 problem+json with Retry-After,
   the replicas read from the primary; the standby back: they return to it, nothing fails;
5. a re-seed with changed data on the primary reaches the standby and is served through nginx
   within the answer's Cache-Control max-age, no restart; then the original data again;
6. nginx's cache cannot be written (read-only, then a full 64 KiB tmpfs of its own): every
   answer is still served, uncached; writable again, it caches again.
It prints what it did and exits 1 when a promise is broken. Not part of `make test`: it needs
the cluster's processes, which it kills and restarts.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cache_faults import full_disk, read_only  # deploy/, this script's folder
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR") or ROOT / "var" / "cluster")
PINNED = "/v1/observations?edition=2024-06&ally=POL&limit=50"
SOURCE_ID = "nato-ar2024-web"
SOURCE_TITLE = "The Secretary General's Annual Report 2024 (nato.int landing page)"
PROBLEM_JSON = "application/problem+json"
# Page sizes for pinned URLs no cache holds yet: they start where the last run's did not.
NONCES = iter(range(int(time.time()) % 500, 10**9))
failures: list[str] = []


def check(ok: bool, message: str) -> None:
    """Record a broken promise (the run goes on, to show everything it can)."""
    if not ok:
        failures.append(message)
        print(f"   FAIL: {message}")


def read_env() -> dict[str, str]:
    path = CLUSTER_DIR / "cluster.env"
    if not path.is_file():
        sys.exit(f"{path} not found: start the cluster first (make cluster)")
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value.strip('"') for key, value in pairs}


@dataclass(frozen=True)
class Result:
    start: float
    end: float
    path: str
    status: int  # 0: no HTTP answer at all
    content_type: str = ""
    retry_after: str = ""
    cache_status: str = ""
    cache_control: str = ""
    body: bytes = b""

    def describe(self) -> str:
        what = f"{self.status} {self.content_type}" if self.status else "no answer"
        return f"{what} retry-after={self.retry_after or '-'} {self.body[:120]!r} {self.path}"


class Client:
    """One keep-alive HTTP/1.1 connection to nginx (one per load thread)."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def get(self, path: str) -> Result:
        start = time.monotonic()
        try:
            self.conn.request("GET", path)
            response = self.conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return Result(start, time.monotonic(), path, 0, body=repr(exc).encode())
        return Result(
            start,
            time.monotonic(),
            path,
            response.status,
            response.getheader("Content-Type", ""),
            response.getheader("Retry-After", ""),
            response.getheader("X-Cache-Status", ""),
            response.getheader("Cache-Control", ""),
            body,
        )


def distinct_urls(allies: list[str]) -> Iterator[str]:
    """URLs no cache holds: (ally, year, page size) never repeats within a run, and the page
    sizes start at a point that differs between runs."""
    nonce = int(time.time()) % 1000
    years = range(2014, 2027)
    block = len(allies) * len(years)
    i = 0
    while True:
        ally, year = allies[i % len(allies)], years[(i // len(allies)) % len(years)]
        limit = 1 + (nonce + i // block) % 1000
        yield f"/v1/observations?ally={ally}&year={year}&limit={limit}"
        i += 1


class Load:
    """`threads` clients sending distinct URLs until `count` requests or `stop()`."""

    def __init__(self, base: str, urls: Iterator[str], threads: int, count: int = 10**9):
        self.base, self.urls, self.count = base, urls, count
        self.results: list[Result] = []
        self.issued = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]

    def _next(self) -> str | None:
        with self.lock:
            if self.stopped.is_set() or self.issued >= self.count:
                return None
            self.issued += 1
            return next(self.urls)

    def _work(self) -> None:
        client = Client(self.base)
        while (path := self._next()) is not None:
            result = client.get(path)
            with self.lock:
                self.results.append(result)

    def done(self) -> int:
        with self.lock:
            return len(self.results)

    def start(self) -> Load:
        for worker in self.workers:
            worker.start()
        return self

    def stop(self) -> list[Result]:
        self.stopped.set()
        return self.join()

    def join(self) -> list[Result]:
        for worker in self.workers:
            worker.join(timeout=60)
        return self.results


def wait_until(predicate: Callable[[], bool], seconds: float, step: float = 0.25) -> float | None:
    """Seconds until `predicate()` held, or None if it did not within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


class Database:
    """Superuser queries to the primary or the standby (trust on loopback: the cluster's)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.port = parsed.port
        self.conninfo = f"host=127.0.0.1 port={parsed.port} user=postgres dbname={parsed.database}"

    def one(self, sql: str, *params: object) -> object:
        with psycopg.connect(self.conninfo, connect_timeout=3, autocommit=True) as conn:
            row = conn.execute(sql, params or None).fetchone()
            return row[0] if row else None

    def api_sessions(self) -> list[str]:
        """Which API replicas hold connections here (their application_name)."""
        names = self.one(
            "SELECT coalesce(array_agg(DISTINCT application_name ORDER BY application_name), "
            "'{}') FROM pg_stat_activity WHERE application_name LIKE 'nato-api-%'"
        )
        return list(names) if isinstance(names, list) else []


def deploy(*args: str) -> str:
    done = subprocess.run(
        [str(ROOT / "deploy" / args[0]), *args[1:]], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"deploy/{' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def summary(results: list[Result]) -> str:
    statuses = Counter(r.status for r in results)
    caches = Counter(r.cache_status for r in results if r.status)
    return f"statuses {dict(statuses)}, X-Cache-Status {dict(caches)}"


def kill_one_replica(env: dict[str, str], urls: Iterator[str]) -> None:
    total, kill_after = 1200, 400
    pids = env["API_PIDS"].split()
    victim = int(pids[0])
    print(f"== 1. {total} distinct uncached URLs through nginx, 8 clients; SIGKILL to API")
    print(f"      replica 1 (pid {victim}) after {kill_after} answers")
    nginx_log = CLUSTER_DIR / "nginx" / "error.log"
    log_start = nginx_log.stat().st_size
    load = Load(env["CLUSTER_URL"], urls, threads=8, count=total).start()
    wait_until(lambda: load.done() >= kill_after, 120, step=0.01)
    os.kill(victim, signal.SIGKILL)
    killed_at = load.done()
    results = load.join()
    failed = [r for r in results if r.status != 200]
    print(f"   sent {len(results)}, failed {len(failed)}; killed after {killed_at} answers;")
    print(f"   {summary(results)}")
    with nginx_log.open("rb") as log:
        log.seek(log_start)
        retried = sum(b"[error]" in entry and b"upstream" in entry for entry in log)
    print(
        f"   nginx error.log: {retried} attempts on the killed replica failed, retried on the other"
    )
    for r in failed[:5]:
        print(f"   failed: {r.describe()}")
    check(len(results) == total, f"{len(results)} of {total} requests answered")
    check(not failed, f"{len(failed)} requests failed while a replica was killed")
    check(all(r.cache_status == "MISS" for r in results), "a 'distinct uncached' URL was cached")
    new_pid = deploy("api-replica", "1")
    env.update(read_env())
    print(f"   API replica 1 restarted by deploy/api-replica 1: pid {new_pid}")
    check(env["API_PIDS"].split()[0] == new_pid, "cluster.env's API_PIDS is stale")


def pinned_edition_is_a_hit(env: dict[str, str]) -> None:
    print(f"== 2. the same pinned-edition URL twice: {PINNED}")
    client = Client(env["CLUSTER_URL"])
    first, second = client.get(PINNED), client.get(PINNED)
    print(f"   first: {first.status} {first.cache_status}")
    print(f"   repeat: {second.status} {second.cache_status}, {second.cache_control}")
    check(second.status == 200 and second.cache_status == "HIT", "the repeat was not a HIT")


def reads_go_to_the_standby(
    env: dict[str, str], primary: Database, standby: Database, urls: Iterator[str]
) -> None:
    print("== 3. the standby is in recovery and the API replicas read from it")
    Load(env["CLUSTER_URL"], urls, threads=4, count=100).start().join()
    in_recovery = standby.one("SELECT pg_is_in_recovery()")
    primary_recovery = primary.one("SELECT pg_is_in_recovery()")
    lag = standby.one("SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())")
    on_standby, on_primary = standby.api_sessions(), primary.api_sessions()
    print(f"   standby :{standby.port} pg_is_in_recovery={in_recovery}, replay lag {lag} bytes;")
    print(f"   primary :{primary.port} pg_is_in_recovery={primary_recovery}")
    print(f"   pg_stat_activity: on the standby {on_standby}, on the primary {on_primary}")
    check(in_recovery is True and primary_recovery is False, "standby/primary roles are wrong")
    check(on_standby == ["nato-api-1", "nato-api-2"], "not both replicas read from the standby")
    check(on_primary == [], "an API replica holds a connection to the primary")


def standby_server(action: str) -> tuple[float, float]:
    """Stop (pg_ctl -m fast) or start the standby; when the command began and ended."""
    begin = time.monotonic()
    deploy("postgres", "standby", action)
    end = time.monotonic()
    print(f"   standby {action}: done in {end - begin:.2f} s")
    return begin, end


def both_reading_from(database: Database, name: str, seconds: float) -> None:
    both = ["nato-api-1", "nato-api-2"]
    after = wait_until(lambda: database.api_sessions() == both, seconds)
    print(f"   both replicas read from {name} after {fmt(after)} s")
    check(after is not None, f"the replicas did not read from {name} within {seconds} s")


def standby_stops_and_returns(
    env: dict[str, str], primary: Database, standby: Database, urls: Iterator[str]
) -> None:
    print("== 4. the standby stopped under load (4 clients), then started again")
    load = Load(env["CLUSTER_URL"], urls, threads=4).start()
    time.sleep(1.0)
    stop_begin, stop_end = standby_server("stop")
    try:
        both_reading_from(primary, "the primary", 15)
        time.sleep(2.0)
    finally:  # the cluster is left whole, whatever happened
        start_begin, start_end = standby_server("start")
    both_reading_from(standby, "the standby again (pool recycle)", 40)
    back_at = time.monotonic()
    time.sleep(1.0)
    results = load.stop()
    failed = [r for r in results if r.status != 200]
    in_flight = [r for r in failed if r.start < stop_end]
    late = [r for r in failed if r.start >= stop_end]
    windows = (
        ("before the stop", 0.0, stop_begin),
        ("during the stop", stop_begin, stop_end),
        ("standby down", stop_end, start_begin),
        ("standby starting", start_begin, start_end),
        ("until both back on it", start_end, back_at),
        ("after", back_at, float("inf")),
    )
    for name, begin, end in windows:
        window = [r for r in results if begin <= r.start < end]
        bad = sum(r.status != 200 for r in window)
        print(f"   {name:>22}: {len(window):5} sent, {bad} failed")
    print(f"   sent {len(results)}, failed {len(failed)} (in flight at the stop {len(in_flight)})")
    for r in failed[:5]:
        print(f"   failed: {r.describe()}")
    check(not late, f"{len(late)} requests started after the stop failed")
    for r in in_flight:
        check(
            r.status == 503 and r.content_type == PROBLEM_JSON and r.retry_after != "",
            f"an in-flight failure is not a 503 problem+json with Retry-After: {r.describe()}",
        )


def source_title(env: dict[str, str]) -> str:
    result = Client(env["CLUSTER_URL"]).get(f"/v1/sources/{SOURCE_ID}")
    return str(json.loads(result.body)["title"]) if result.status == 200 else ""


def reseed(env: dict[str, str], standby: Database, data: Path, title: str) -> None:
    client = Client(env["CLUSTER_URL"])
    client.get(f"/v1/sources/{SOURCE_ID}")
    cached = client.get(f"/v1/sources/{SOURCE_ID}")
    max_age = int(cached.cache_control.split("max-age=")[1].split(",")[0])
    seeded = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "nato-api"), "seed", "--data", str(data)],
        env={**os.environ, "NATO_DATABASE_URL": env["PRIMARY_URL"]},
        capture_output=True,
        text=True,
        check=False,
    )
    print(
        f"   before: X-Cache-Status {cached.cache_status}, max-age {max_age}; seed on the primary:"
    )
    print(f"   {seeded.stdout.strip() or seeded.stderr.strip()}")
    check(seeded.returncode == 0, "the seed failed")
    on_standby = wait_until(
        lambda: standby.one("SELECT count(*) FROM sources WHERE title = %s", title) == 1, 30
    )
    served = wait_until(lambda: source_title(env) == title, max_age + 30)
    print(
        f"   on the standby after {fmt(on_standby)} s, served through nginx after {fmt(served)} s"
    )
    check(on_standby is not None, "the change did not reach the standby")
    # Whole seconds: nginx and the API count max-age in seconds, each rounding once.
    check(
        served is not None and served <= max_age + 2,
        f"served after {served} s, beyond max-age {max_age} s",
    )


def fmt(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f}"


def reseed_reaches_readers(env: dict[str, str], standby: Database) -> None:
    original = ROOT / "seed" / "data"
    changed_title = f"{SOURCE_TITLE} [re-seed check {int(time.time())}]"
    with tempfile.TemporaryDirectory(prefix="nato-reseed-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(original, data)
        sources = data / "sources.csv"
        text = sources.read_text(encoding="utf-8")
        check(text.count(SOURCE_TITLE) == 1, f"{SOURCE_TITLE!r} is not in sources.csv once")
        sources.write_text(text.replace(SOURCE_TITLE, changed_title), encoding="utf-8")
        print(f"== 5. re-seed on the primary: source {SOURCE_ID} retitled {changed_title!r}")
        try:
            reseed(env, standby, data, changed_title)
        finally:  # the cluster is left with the published data, whatever happened
            print("== 5b. re-seed with the original data")
            reseed(env, standby, original, SOURCE_TITLE)


def served_uncached(env: dict[str, str], urls: Iterator[str]) -> list[Result]:
    """200 distinct URLs (4 clients), then one pinned URL no cache holds yet, 50 times."""
    results = Load(env["CLUSTER_URL"], urls, threads=4, count=200).start().join()
    pinned = f"/v1/observations?edition=2024-06&ally=ITA&limit={1 + next(NONCES)}"
    client = Client(env["CLUSTER_URL"])
    return results + [client.get(pinned) for _ in range(50)]


def cache_cannot_be_written(env: dict[str, str], urls: Iterator[str]) -> None:
    cache = CLUSTER_DIR / "nginx" / "cache"
    print("== 6. nginx's cache cannot be written: 200 distinct URLs and a new pinned one x50")
    for fault in (read_only, full_disk):
        with fault(cache) as what:
            if what is None:
                print(f"   {fault.__name__}: skipped (no tmpfs: mounting needs root)")
                continue
            results = served_uncached(env, urls)
        failed = [r for r in results if r.status != 200 or not r.body]
        print(f"   {what}: {summary(results)}")
        for r in failed[:3]:
            print(f"   failed: {r.describe()}")
        check(not failed, f"{len(failed)} of {len(results)} requests failed ({fault.__name__})")
    pinned = f"/v1/observations?edition=2024-06&ally=ITA&limit={1 + next(NONCES)}"
    client = Client(env["CLUSTER_URL"])
    first, second = client.get(pinned), client.get(pinned)
    print(f"   writable again: {first.status} {first.cache_status}, then {second.cache_status}")
    check(second.cache_status == "HIT", "the cache does not cache again once writable")


def main() -> None:
    began = time.monotonic()
    env = read_env()
    primary, standby = Database(env["PRIMARY_URL"]), Database(env["REPLICA_URL"])
    listing = Client(env["CLUSTER_URL"]).get("/v1/allies").body
    allies = [ally["iso3"] for ally in json.loads(listing)["items"]]
    urls = distinct_urls(allies)
    print(f"cluster {env['CLUSTER_URL']}: API replicas {env['API_PIDS']}")
    kill_one_replica(env, urls)
    pinned_edition_is_a_hit(env)
    reads_go_to_the_standby(env, primary, standby, urls)
    standby_stops_and_returns(env, primary, standby, urls)
    reseed_reaches_readers(env, standby)
    cache_cannot_be_written(env, urls)
    elapsed = time.monotonic() - began
    if failures:
        print(f"cluster test: {len(failures)} broken promise(s) in {elapsed:.0f} s")
        sys.exit(1)
    print(f"cluster test: every check passed in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
