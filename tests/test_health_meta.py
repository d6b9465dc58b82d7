"""/healthz, /readyz (ready and not ready) and /v1/meta."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import DEFAULT_DATA_DIR, Settings
from app.main import create_asgi
from app.migrate import upgrade
from seed.contract import SPECS
from seed.loader import read_dataset
from tests.conftest import data_rows


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_dataset_version(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["dataset_version"] == read_dataset(DEFAULT_DATA_DIR).version


def test_readyz_is_503_problem_when_not_seeded(scratch_url: str) -> None:
    upgrade(scratch_url)
    with TestClient(create_asgi(Settings(database_url=scratch_url))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database is not seeded yet: run `nato-api seed`.",
        "instance": "/readyz",
    }


def test_meta_counts_every_table_from_the_files(client: TestClient) -> None:
    body = client.get("/v1/meta").json()
    expected = {spec.model.__tablename__: len(data_rows(spec.name)) for spec in SPECS}
    assert body["row_counts"] == expected
    assert body["dataset_version"] == read_dataset(DEFAULT_DATA_DIR).version
    assert [e["id"] for e in body["editions"]] == [
        r["id"] for r in sorted(data_rows("editions.csv"), key=lambda r: r["published_on"])
    ]
    assert {s["id"] for s in body["sources"]} == {r["id"] for r in data_rows("sources.csv")}
    assert set(body["file_sha256"]) == {spec.name for spec in SPECS}
