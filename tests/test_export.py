"""The offline bundle: GET /v1/export (zip of CSV files, metadata, README) and the SQLite file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import frictionless
import httpx
import orjson
from fastapi.testclient import TestClient

from app.config import DEFAULT_DATA_DIR, Settings
from app.main import create_asgi
from app.migrate import upgrade
from seed.contract import SPECS
from tests.conftest import data_rows, official_urls

CSV_FILES = [spec.name for spec in SPECS]


def _bundle(client: TestClient) -> zipfile.ZipFile:
    response = client.get("/v1/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export_names_its_dataset_version(client: TestClient) -> None:
    version = client.get("/v1/meta").json()["dataset_version"]
    response = client.get("/v1/export")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="nato-defence-expenditure-{version[:12]}.zip"'
    )
    assert response.headers["cache-control"] == "public, max-age=60"
    assert _bundle(client).namelist() == [
        "README.md",
        *CSV_FILES,
        "metadata.json",
        "datapackage.json",
    ]


def test_export_csv_files_hold_every_seed_row_cell_for_cell(client: TestClient) -> None:
    bundle = _bundle(client)
    for spec in SPECS:
        exported = list(csv.DictReader(io.StringIO(bundle.read(spec.name).decode("utf-8"))))
        seeded = data_rows(spec.name)
        key = list(spec.key)
        assert sorted(exported, key=lambda r: [r[k] for k in key]) == sorted(
            seeded, key=lambda r: [r[k] for k in key]
        ), spec.name


def test_export_reproduces_the_files_in_key_or_load_order_byte_for_byte(
    client: TestClient,
) -> None:
    bundle = _bundle(client)
    for name in ("allies.csv", "editions.csv", "observations.csv", "aggregates.csv"):
        assert bundle.read(name) == (DEFAULT_DATA_DIR / name).read_bytes(), name


def test_export_readme_lists_the_sha256_of_every_file(client: TestClient) -> None:
    bundle = _bundle(client)
    readme = bundle.read("README.md").decode()
    found = re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    sums = {name: digest for digest, name in found}
    assert list(sums) == [*CSV_FILES, "metadata.json", "datapackage.json"]
    for name, digest in sums.items():
        assert hashlib.sha256(bundle.read(name)).hexdigest() == digest


def test_export_metadata_matches_meta(client: TestClient) -> None:
    meta = client.get("/v1/meta").json()
    bundle = _bundle(client)
    metadata = orjson.loads(bundle.read("metadata.json"))
    assert metadata["dataset_version"] == meta["dataset_version"]
    assert metadata["source_file_sha256"] == meta["file_sha256"]
    assert metadata["row_counts"] == meta["row_counts"]
    assert [e["id"] for e in metadata["editions"]] == [r["id"] for r in data_rows("editions.csv")]
    assert len(metadata["sources"]) == len(data_rows("sources.csv"))
    loaded = dt.datetime.fromisoformat(meta["loaded_at"])
    # Stamped with the load time (zip keeps seconds in steps of 2): same data, same bytes.
    stamp = (*loaded.timetuple()[:5], loaded.second // 2 * 2)
    assert {info.date_time for info in bundle.infolist()} == {stamp}


def test_export_sqlite_is_named_for_its_version(client: TestClient) -> None:
    meta = client.get("/v1/meta").json()
    response = client.get("/v1/export/sqlite")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.sqlite3"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="nato-defence-expenditure-{meta["dataset_version"][:12]}.sqlite3"'
    )
    # Its tables: tests/test_sqlite_download.py.


def test_export_rejects_unknown_parameters(client: TestClient) -> None:
    response = client.get("/v1/export?edition=2024-06")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/unknown-parameter"
    assert body["instance"] == "/v1/export"
    assert body["errors"] == [
        {"parameter": "edition", "in": "query", "message": "unknown parameter"}
    ]


def test_export_of_an_unseeded_database_is_503(scratch_url: str) -> None:
    upgrade(scratch_url)
    with TestClient(create_asgi(Settings(database_url=scratch_url))) as http:
        for path in ("/v1/export", "/v1/export/sqlite"):
            response = http.get(path)
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json() == {
                "type": "/problems/unavailable",
                "title": "Service unavailable",
                "status": 503,
                "detail": "The database is not seeded yet: run `nato-api seed`.",
                "instance": path,
            }


# --- the zip is a Frictionless data package ---------------------------------------------------


def _export_file(client: TestClient, tmp_path: Path) -> Path:
    path = tmp_path / "export.zip"
    path.write_bytes(client.get("/v1/export").content)
    return path


def test_export_validates_as_a_frictionless_data_package(
    client: TestClient, tmp_path: Path
) -> None:
    report = frictionless.validate(str(_export_file(client, tmp_path)))
    assert report.valid, report.flatten(["type", "message"])[:5]
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows == {spec.name.removesuffix(".csv"): len(data_rows(spec.name)) for spec in SPECS}


def test_datapackage_schemas_are_the_loaders_file_specs(client: TestClient) -> None:
    package = orjson.loads(_bundle(client).read("datapackage.json"))
    assert [r["path"] for r in package["resources"]] == CSV_FILES
    for spec, resource in zip(SPECS, package["resources"], strict=True):
        schema = resource["schema"]
        assert resource["name"] == spec.name.removesuffix(".csv")
        assert [f["name"] for f in schema["fields"]] == list(spec.columns)
        for described in schema["fields"]:
            cell = spec.columns[described["name"]]
            assert described["type"] == cell.type
            assert described["constraints"]["required"] == cell.required
        assert schema["primaryKey"] == list(spec.key)
        assert {
            fk["fields"][0]: (fk["reference"]["resource"] + ".csv", fk["reference"]["fields"])
            for fk in schema.get("foreignKeys", [])
        } == {
            column: (target, ["iso3" if target == "allies.csv" else "id"])
            for column, target in spec.references.items()
        }
    by_name = {r["name"]: r for r in package["resources"]}
    fields = {f["name"]: f for f in by_name["observations"]["schema"]["fields"]}
    assert fields["year"] == {
        "name": "year",
        "type": "integer",
        "description": "Calendar year the figure is about.",
        "constraints": {"required": True, "minimum": 1949, "maximum": 2100},
    }
    assert "unit" in fields["value"]["description"]
    for resource in package["resources"]:
        for described in resource["schema"]["fields"]:
            assert described["description"], (resource["name"], described["name"])
    assert fields["value"]["type"] == "number"
    assert fields["is_estimate"]["trueValues"] == ["true"]
    iso2 = by_name["allies"]["schema"]["fields"][1]
    assert iso2["constraints"] == {"required": True, "pattern": "[A-Z]{2}", "unique": True}
    # An optional column's pattern is in its description, its fixed length a constraint.
    currency = by_name["allies"]["schema"]["fields"][7]
    assert currency["constraints"] == {"required": False, "minLength": 3, "maxLength": 3}
    assert currency["description"].endswith("Pattern when present: [A-Z]{3}.")


def test_the_data_package_publishes_to_sqlite(live_server: str, tmp_path: Path) -> None:
    """frictionless's Package.publish: the constraints become SQL checks that hold on every
    row, NULLs included."""
    archive = tmp_path / "export.zip"
    archive.write_bytes(httpx.get(f"{live_server}/v1/export", timeout=120).content)
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path / "package")
    package = frictionless.Package(str(tmp_path / "package" / "datapackage.json"))
    target = tmp_path / "published.sqlite3"
    package.publish(f"sqlite:///{target}")
    db = sqlite3.connect(target)
    try:
        for spec in SPECS:
            table = spec.name.removesuffix(".csv")
            count = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert count == (len(data_rows(spec.name)),), table
        assert db.execute("SELECT iso3 FROM allies WHERE currency_iso4217 IS NULL").fetchall() == [
            ("ISL",)
        ]
    finally:
        db.close()


def test_datapackage_names_version_sources_and_no_invented_licence(client: TestClient) -> None:
    meta = client.get("/v1/meta").json()
    package = orjson.loads(_bundle(client).read("datapackage.json"))
    assert package["name"] == "nato-defence-expenditure"
    assert package["version"] == meta["dataset_version"]
    assert "licenses" not in package  # the code's MIT licence is not the figures'
    assert package["description"] == meta["how_to_cite"]
    sources = {s["title"]: s.get("path") for s in package["sources"]}
    official = official_urls()
    for edition in data_rows("editions.csv"):
        title = f"NATO, {edition['title']} ({edition['published_on']}; edition {edition['id']})"
        assert sources[title] == official.get(edition["id"])
    for row in data_rows("sources.csv"):
        assert sources[row["title"]] == (row["url"] or None)


def test_a_tampered_export_fails_validation(client: TestClient, tmp_path: Path) -> None:
    bundle = _bundle(client)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name in bundle.namelist():
            data = bundle.read(name)
            if name == "observations.csv":
                data = data.replace(b",ALB,", b",XXX,", 1)
            archive.writestr(name, data)
    report = frictionless.validate(str(tampered))
    assert not report.valid
    errors = {error[0] for error in report.flatten(["type"])}
    assert errors == {"foreign-key", "hash-count"}
