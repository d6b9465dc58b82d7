"""`make cluster-bench`: req/s through the cluster's nginx, each against its ceiling.

On a running `make cluster` (var/cluster/cluster.env), with wrk on loopback, unpinned (nginx,
the two API replicas and PostgreSQL share the machine's CPUs), runs alternating per pair:
- cached: a pinned-edition path that nginx answers from its cache (X-Cache-Status: HIT),
  against a second nginx serving the same bytes as a static file: the machine's ceiling for
  an nginx answer of that size;
- uncached: distinct URLs (bench/distinct.lua: no cache holds them) through nginx to the two
  replicas, against the same load sent to one API process direct.
Prints req/s, p50, p99, non-2xx counts and the ratios, with the load average before and after
(the machine is shared). Figures, never assertions.

Environment: BENCH_DURATION (s per run, default 3), BENCH_ROUNDS (default 3), CLUSTER_DIR
(default var/cluster); the static nginx listens on CLUSTER_PORT+5.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.run import DURATION, ROUNDS, Load, combine, ensure_wrk, machine, wrk

ROOT = Path(__file__).resolve().parent.parent
CLUSTER_DIR = Path(os.environ.get("CLUSTER_DIR") or ROOT / "var" / "cluster")
PINNED = "/v1/observations?edition=2024-06&indicator=share_gdp"
DISTINCT = Path(__file__).with_name("distinct.lua")
STATIC_CONF = """worker_processes auto;
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    server_tokens off;
    access_log off;
    client_body_temp_path {state}/client_body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /pinned.json {{
            root {state};
            default_type application/json;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"""


def read_env() -> dict[str, str]:
    path = CLUSTER_DIR / "cluster.env"
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value.strip('"') for key, value in pairs}


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def get(port: int, path: str) -> tuple[str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.getheader("X-Cache-Status", ""), response.read()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def line(name: str, load: Load) -> str:
    return (
        f"  {name:<34} {load.rps:9.0f} req/s  p50 {load.p50_ms:6.2f} ms  "
        f"p99 {load.p99_ms:7.2f} ms  non-2xx {load.errors}"
    )


def pair(
    binary: str, first: tuple[int, str], second: tuple[int, str], script: bool = False
) -> tuple[Load, Load]:
    """ROUNDS alternating runs of each; the uncached ones move their URLs every run."""
    runs: tuple[list[Load], list[Load]] = ([], [])
    for round_ in range(ROUNDS):
        for index, (port, path) in enumerate((first, second)):
            args = (str((int(time.time()) + 97 * (2 * round_ + index)) % 1000),)
            runs[index].append(
                wrk(
                    binary,
                    port,
                    path,
                    cpus=None,
                    script=DISTINCT if script else None,
                    script_args=args if script else (),
                )
            )
    return combine(runs[0]), combine(runs[1])


def main() -> None:
    binary = ensure_wrk()
    env = read_env()
    nginx_port = port_of(env["CLUSTER_URL"])
    api_port = port_of(env["API_URLS"].split()[0])
    static_port = nginx_port + 5
    print(f"cluster bench: {machine()}")
    print(f"wrk: 1 thread, 32 connections, {DURATION} s per run, median of {ROUNDS} rounds")
    get(nginx_port, PINNED)
    status, body = get(nginx_port, PINNED)
    with tempfile.TemporaryDirectory(prefix="nato-static-") as tmp:
        state = Path(tmp)
        state.chmod(0o755)
        (state / "pinned.json").write_bytes(body)
        conf = state / "nginx.conf"
        conf.write_text(STATIC_CONF.format(state=state, port=static_port))
        nginx = ["nginx", "-e", str(state / "error.log"), "-p", str(state), "-c", str(conf)]
        subprocess.run(nginx, check=True)
        try:
            time.sleep(0.3)
            print(f"cached: {PINNED} ({len(body)} bytes, X-Cache-Status {status})")
            cached, static = pair(binary, (nginx_port, PINNED), (static_port, "/pinned.json"))
        finally:
            subprocess.run([*nginx, "-s", "quit"], check=False)
    print(line("nginx cache HIT", cached))
    print(line("nginx static file (ceiling)", static))
    print(f"  ratio cached/static: {cached.rps / static.rps:.2f}")
    print("uncached: distinct /v1/observations?ally=&year=&limit= URLs (bench/distinct.lua)")
    proxied, direct = pair(binary, (nginx_port, "/"), (api_port, "/"), script=True)
    print(line("nginx -> 2 API replicas (MISS)", proxied))
    print(line("one API process direct", direct))
    print(f"  ratio nginx+2 replicas / one process: {proxied.rps / direct.rps:.2f}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
