"""Database faults: a missing, corrupt or unreachable database stops `nato-api serve` with one
clear line; a PostgreSQL server that goes away while serving turns data routes into 503
problems, and the API recovers by itself when it comes back.

The PostgreSQL tests start, stop and restart a throwaway server of their own (through
.ci/postgres). They need the server binaries: without them they are skipped with that reason
on a developer machine, and fail under CI or when NATO_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import DEFAULT_DATA_DIR, PROJECT_ROOT, Settings
from app.db import make_engine
from app.main import create_asgi
from app.migrate import upgrade
from seed.loader import load, read_dataset
from tests.conftest import running
from tests.live import Answer, read_answer
from tests.test_hardening import assert_problem

NATO_API = Path(sys.executable).parent / "nato-api"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(database_url: str) -> subprocess.CompletedProcess[str]:
    """Run `nato-api serve`; it must exit by itself (a hang fails after 60 s)."""
    env = {**os.environ, "NATO_DATABASE_URL": database_url}
    return subprocess.run(
        [str(NATO_API), "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _assert_one_line_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nato-api: cannot start: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


# --- start-up faults: SQLite, and a PostgreSQL server that is not there --------------------


def test_serve_refuses_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite3"
    result = _serve(f"sqlite:///{path}")
    _assert_one_line_failure(
        result, f"Database file {path} does not exist", "run `nato-api migrate`"
    )


def test_serve_refuses_a_corrupt_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite3"
    path.write_bytes(os.urandom(8192))
    result = _serve(f"sqlite:///{path}")
    _assert_one_line_failure(
        result, f"Cannot read the database at sqlite:///{path}", "file is not a database"
    )


def test_serve_refuses_an_unmigrated_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.touch()
    result = _serve(f"sqlite:///{path}")
    _assert_one_line_failure(result, "no such table: dataset_versions", "`nato-api migrate`")


def test_serve_refuses_an_unreachable_postgresql() -> None:
    port = _free_port()  # nothing listens there
    result = _serve(f"postgresql+psycopg://postgres:secret@127.0.0.1:{port}/nato")
    _assert_one_line_failure(
        result,
        f"Cannot read the database at postgresql+psycopg://postgres:***@127.0.0.1:{port}/nato",
        "OperationalError",
        "Is it reachable",
    )
    assert "secret" not in result.stderr


def test_a_database_lost_as_the_session_closes_still_answers_what_was_read(
    settings: Settings,
) -> None:
    """The query answered, then the connection died before the transaction ended (a standby
    stopped under load, in `make cluster-test`): the rows were read in one snapshot and a
    read-only transaction loses nothing, so the answer is sent; never a text/plain 500 from
    a session torn down after the response had started. The pool drops the connection."""

    def lost(_conn: Connection) -> None:
        raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))

    with TestClient(create_asgi(settings)) as client:
        event.listen(Engine, "rollback", lost)
        try:
            response = client.get("/v1/sources/nato-ar2024-web")
        finally:
            event.remove(Engine, "rollback", lost)
        assert response.status_code == 200
        assert response.json()["id"] == "nato-ar2024-web"
        assert client.get("/v1/sources/nato-ar2024-web").json()["id"] == "nato-ar2024-web"


# --- a real PostgreSQL server that stops and comes back ------------------------------------


def _pg_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    found = [c for c in candidates if (c / "initdb").is_file()]
    return found[-1] if found else None


class Cluster:
    """A throwaway PostgreSQL server on loopback that a test can stop and start."""

    def __init__(self, root: Path, port: int, bindir: Path) -> None:
        self.root, self.port, self.bindir = root, port, bindir
        script = PROJECT_ROOT / ".ci" / "postgres"
        self.url = subprocess.run(
            [str(script), str(root), str(port)], capture_output=True, text=True, check=True
        ).stdout.strip()

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-w", *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, capture_output=True, check=True)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.root / "log"), "-o", options, "start")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bindir = _pg_bindir()
    if bindir is None:
        # `make test` deselects these (-m "not postgres"); .ci/run installs the server.
        pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    root = Path(tempfile.mkdtemp(prefix="nato-faults-"))
    root.chmod(0o755)
    port = int(os.environ.get("NATO_FAULTS_PG_PORT") or _free_port())
    server = Cluster(root, port, bindir)
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def seeded_pg(cluster: Cluster) -> str:
    upgrade(cluster.url)
    engine = make_engine(cluster.url)
    load(engine, DEFAULT_DATA_DIR)
    engine.dispose()
    return cluster.url


@pytest.mark.postgres
def test_the_api_answers_503_while_postgresql_is_down_and_recovers_alone(
    cluster: Cluster, seeded_pg: str
) -> None:
    version = read_dataset(DEFAULT_DATA_DIR).version
    with TestClient(create_asgi(Settings(database_url=seeded_pg))) as client:
        assert client.get("/readyz").json()["dataset_version"] == version
        cluster.stop()
        try:
            for path in ("/readyz", "/v1/meta", "/readyz"):
                response = client.get(path)
                body = assert_problem(response, 503, "/problems/unavailable")
                assert body["detail"] == "The database is not answering; retry in a few seconds."
                assert response.headers["retry-after"] == "5"
            assert client.get("/healthz").status_code == 200
        finally:
            cluster.start()
        # The same process, no restart: the pool's pre-ping replaces the dead connections.
        assert client.get("/readyz").json()["dataset_version"] == version
        assert client.get("/v1/meta").json()["dataset_version"] == version


@pytest.mark.postgres
def test_serve_refuses_a_missing_or_unmigrated_postgresql_database(cluster: Cluster) -> None:
    missing = make_url(cluster.url).set(database="no_such_db").render_as_string(False)
    _assert_one_line_failure(_serve(missing), 'database "no_such_db" does not exist')
    empty = make_url(cluster.url).set(database="postgres").render_as_string(False)
    _assert_one_line_failure(_serve(empty), 'relation "dataset_versions" does not exist')


@pytest.mark.postgres
def test_postgresql_stopping_under_load_gives_only_200_or_503_problems(
    cluster: Cluster, seeded_pg: str
) -> None:
    """Readers ask, uncached, while the server stops and starts again: each answer is a 200
    or a 503 problem with Retry-After (never a 500, a text/plain body or a dropped
    connection), and the API serves again without a restart."""
    settings = Settings(database_url=seeded_pg, cache_max_bytes=0)
    head = b"GET /v1/observations?ally=USA&limit=1000 HTTP/1.1\r\nHost: api\r\n\r\n"
    answers: list[Answer] = []
    dropped: list[BaseException] = []
    done = threading.Event()

    def read(url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        while not done.is_set() and len(answers) < 3000:
            try:
                with socket.create_connection((host, int(port)), timeout=30) as conn:
                    while not done.is_set():
                        conn.sendall(head)
                        answers.append(read_answer(conn))
            except OSError as exc:
                dropped.append(exc)
                return

    with running(create_asgi(settings), settings) as url:
        readers = [threading.Thread(target=read, args=(url,)) for _ in range(4)]
        for reader in readers:
            reader.start()
        try:
            cluster.stop()
            cluster.start()
            before = len(answers)
            while len(answers) < before + 20 and not dropped:
                done.wait(0.05)
        finally:
            done.set()
            for reader in readers:
                reader.join(timeout=60)
    assert dropped == []
    # The readers met the server down (503) and up (200), nothing else.
    assert {a.status for a in answers} == {200, 503}
    assert answers[-1].status == 200
    for answer in answers:
        if answer.status == 503:
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
