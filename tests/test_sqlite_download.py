"""The SQLite download as an analytic database, read with sqlite3 as a user would: the API's
collections as tables, the views, `metadata` and `README`, and docs/data.md's three queries
answering what the API answers."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.conftest import data_rows

TABLES = {"observations", "aggregates", "allies", "indicators", "editions", "sources", "quotes"}
VIEWS = {"latest_observations", "compliance_inputs"}


@pytest.fixture(scope="module")
def db(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("download") / "nato.sqlite3"
    path.write_bytes(httpx.get(f"{live_server}/v1/export/sqlite", timeout=120).content)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


def api(live_server: str, path: str) -> Any:
    response = httpx.get(f"{live_server}{path}", timeout=120)
    assert response.status_code == 200, response.text[:300]
    return response


def api_csv(live_server: str, path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(api(live_server, path).text)))


def columns(db: sqlite3.Connection, name: str) -> dict[str, str]:
    return {row[1]: row[2] for row in db.execute(f'PRAGMA table_info("{name}")')}


def test_tables_and_views_are_the_apis_collections_and_nothing_internal(
    db: sqlite3.Connection,
) -> None:
    found = dict(db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table','view')"))
    assert {n for n, t in found.items() if t == "table"} == TABLES | {"metadata", "README"}
    assert {n for n, t in found.items() if t == "view"} == VIEWS


@pytest.mark.parametrize(
    ("table", "csv_path"),
    [
        ("observations", "/v1/observations.csv?limit=1"),
        ("latest_observations", "/v1/observations.csv?limit=1"),
        ("allies", "/v1/allies.csv"),
        ("indicators", "/v1/indicators.csv"),
        ("editions", "/v1/editions.csv"),
        ("sources", "/v1/sources.csv"),
        ("quotes", "/v1/quotes.csv?limit=1"),
    ],
)
def test_columns_are_the_csvs(
    db: sqlite3.Connection, live_server: str, table: str, csv_path: str
) -> None:
    header = next(csv.reader(io.StringIO(api(live_server, csv_path).text)))
    assert list(columns(db, table)) == header


def test_values_are_numbers_beside_their_exact_text(db: sqlite3.Connection) -> None:
    types = columns(db, "observations")
    assert (types["value"], types["value_text"], types["year"]) == ("REAL", "TEXT", "INTEGER")
    figures = [r for r in data_rows("observations.csv") if r["indicator"] == "usd_current"]
    biggest = max(figures, key=lambda r: float(r["value"]))
    assert db.execute(
        "SELECT max(value), typeof(max(value)) FROM observations WHERE indicator = 'usd_current'"
    ).fetchone() == (float(biggest["value"]), "real")
    rows = {
        (r["indicator"], r["ally_iso3"], int(r["year"]), r["edition"], r["source_id"]): r["value"]
        for r in data_rows("observations.csv")
    }
    stored = {
        tuple(key): text
        for *key, text in db.execute(
            "SELECT indicator, ally, year, edition, source, value_text FROM observations"
        )
    }
    assert stored == rows


def test_the_latest_view_is_the_apis_default_edition_rule(
    db: sqlite3.Connection, live_server: str
) -> None:
    latest = {
        (r["indicator"], r["ally"], int(r["year"]), r["edition"], r["source"], r["value_text"])
        for r in api_csv(live_server, "/v1/observations.csv")
    }
    view = set(
        db.execute(
            "SELECT indicator, ally, year, edition, source, value_text FROM latest_observations"
        )
    )
    assert view == latest


def test_compliance_inputs_are_what_compliance_reads(
    db: sqlite3.Connection, live_server: str
) -> None:
    answer = api(live_server, "/v1/compliance?year=2024").json()
    read = {
        item["ally"]: (item["value_text"], item["edition"], item["source"])
        for item in answer["items"]
        if item["value_text"] is not None
    }
    view = {
        ally: (text, edition, source)
        for ally, text, edition, source in db.execute(
            "SELECT ally, share_gdp_text, edition, source FROM compliance_inputs WHERE year = 2024"
        )
    }
    assert view == read


def test_metadata_and_readme(db: sqlite3.Connection, live_server: str) -> None:
    meta = api(live_server, "/v1/meta").json()
    metadata = dict(db.execute("SELECT key, value FROM metadata"))
    assert metadata["dataset_version"] == meta["dataset_version"]
    assert metadata["generated_at"].startswith(meta["loaded_at"][:19])
    assert [e["id"] for e in json.loads(metadata["editions"])] == [
        r["id"] for r in data_rows("editions.csv")
    ]
    assert meta["dataset_version"] in metadata["how_to_cite"]
    assert "no licence for them is given" in metadata["licence"]
    described = {row[0] for row in db.execute('SELECT object FROM "README" WHERE "column" IS NULL')}
    assert described >= TABLES | VIEWS | {"metadata"}
    for table in TABLES:
        documented = {
            row[0] for row in db.execute('SELECT "column" FROM "README" WHERE object = ?', (table,))
        }
        assert documented - {None} == set(columns(db, table)), table


def docs_queries() -> list[str]:
    """The ```sql blocks of docs/data.md's section on the SQLite download."""
    text = Path(PROJECT_ROOT / "docs" / "data.md").read_text()
    section = text.split("## The SQLite download", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.DOTALL)


def test_the_docs_three_queries_answer_what_the_api_answers(
    db: sqlite3.Connection, live_server: str
) -> None:
    first, second, third = docs_queries()
    pinned = api(live_server, "/v1/compliance?year=2024&edition=2025-04").json()["summary"]
    assert sorted(row[0] for row in db.execute(first)) == pinned["meeting_allies"]
    latest = api(live_server, "/v1/compliance?year=2024").json()
    counted = {
        (edition, definition): (allies, meeting)
        for edition, definition, allies, meeting in db.execute(second)
    }
    assert (
        sum(a for a, _ in counted.values()) == len(latest["items"]) - latest["summary"]["no_data"]
    )
    assert sum(m for _, m in counted.values()) == latest["summary"]["meeting"]
    assert {e for e, _ in counted} == {i["edition"] for i in latest["items"] if i["edition"]}
    revisions = api(live_server, "/v1/revisions?ally=USA&indicator=share_gdp&year=2024").json()
    assert [(row[0], row[2], row[3]) for row in db.execute(third)] == [
        (item["edition"], item["value_text"], item["expenditure_definition"])
        for item in revisions["items"]
    ]


def test_the_download_is_the_same_bytes_for_the_same_data(live_server: str) -> None:
    first = api(live_server, "/v1/export/sqlite")
    # A second build (not the cached answer: another coding is another entry).
    second = httpx.get(
        f"{live_server}/v1/export/sqlite", headers={"Accept-Encoding": "identity"}, timeout=120
    )
    assert first.content == second.content
