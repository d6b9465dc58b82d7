"""/v1/indicators, /v1/editions and /v1/sources, compared with the data files."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows

OBS = data_rows("observations.csv")
EDITIONS = data_rows("editions.csv")
PUBLISHED = {row["id"]: row["published_on"] for row in EDITIONS}


def _int(text: str) -> int | None:
    return int(text) if text else None


def expected_indicator(row: dict[str, str]) -> dict[str, Any]:
    editions = {r["edition"] for r in OBS if r["indicator"] == row["id"]}
    return {
        "id": row["id"],
        "name": row["name"],
        "unit": row["unit"],
        "description": row["description"],
        "notes": row["notes"] or None,
        "editions": sorted(editions, key=PUBLISHED.__getitem__),
        "observations": sum(1 for r in OBS if r["indicator"] == row["id"]),
    }


def expected_edition(row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "publisher": row["publisher"],
        "published_on": row["published_on"],
        "data_cutoff_on": row["data_cutoff_on"] or None,
        "kind": row["kind"],
        "constant_price_base_year": _int(row["constant_price_base_year"]),
        "estimate_years": [int(y) for y in row["estimate_years"].split()],
        "official_tables_available": row["official_tables_available"] == "true",
        "expenditure_definition": row["expenditure_definition"],
        "notes": row["notes"] or None,
        "observations": sum(1 for r in OBS if r["edition"] == row["id"]),
    }


def expected_source(row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "url": row["url"] or None,
        "publisher": row["publisher"],
        "kind": row["kind"],
        "trust": row["trust"],
        "notes": row["notes"] or None,
        "observations": sum(1 for r in OBS if r["source_id"] == row["id"]),
    }


def test_indicators_equal_the_file(client: TestClient) -> None:
    rows = sorted(data_rows("indicators.csv"), key=lambda r: r["id"])
    assert client.get("/v1/indicators").json() == {
        "items": [expected_indicator(r) for r in rows],
        "total": 24,
    }


def test_share_gdp_indicator(client: TestClient) -> None:
    body = client.get("/v1/indicators/share_gdp").json()
    shares = [r for r in OBS if r["indicator"] == "share_gdp"]
    published = {e["id"]: e["published_on"] for e in EDITIONS}
    assert body["editions"] == sorted({r["edition"] for r in shares}, key=published.__getitem__)
    assert body["editions"][0] == "2019-06"
    assert body["observations"] == len(shares)
    assert body["unit"] == "% of GDP"


def test_aggregate_only_indicator_has_no_per_ally_editions(client: TestClient) -> None:
    body = client.get("/v1/indicators/count_allies_2pct").json()
    assert (body["editions"], body["observations"]) == ([], 0)


def test_editions_equal_the_file_oldest_first(client: TestClient) -> None:
    rows = sorted(EDITIONS, key=lambda r: r["published_on"])
    assert client.get("/v1/editions").json() == {
        "items": [expected_edition(r) for r in rows],
        "total": len(EDITIONS),
    }


def test_edition_2024_06_is_nato_own_file_in_2015_prices(client: TestClient) -> None:
    body = client.get("/v1/editions/2024-06").json()
    row = next(r for r in EDITIONS if r["id"] == "2024-06")
    assert body == expected_edition(row)
    assert body["published_on"] == "2024-06-17"
    assert body["data_cutoff_on"] == "2024-06-12"
    assert body["constant_price_base_year"] == 2015
    assert body["estimate_years"] == [2023, 2024]
    assert body["official_tables_available"] is True
    assert body["expenditure_definition"] == "nato_defence_expenditure"


def test_edition_2026_07_is_core_expenditure(client: TestClient) -> None:
    body = client.get("/v1/editions/2026-07").json()
    assert body["expenditure_definition"] == "core_defence_expenditure"
    assert body["official_tables_available"] is False
    assert body["estimate_years"] == [2025, 2026]


def test_editions_csv(client: TestClient) -> None:
    response = client.get("/v1/editions?format=csv")
    assert response.headers["content-disposition"] == 'attachment; filename="editions.csv"'
    lines = response.content.decode("utf-8").split("\r\n")
    assert lines[0] == (
        "id,title,publisher,published_on,data_cutoff_on,kind,constant_price_base_year,"
        "estimate_years,official_tables_available,expenditure_definition,notes,observations"
    )
    assert lines[1].startswith(
        "2019-06,Defence Expenditure of NATO Countries (2012-2019),NATO,2019-06-25,,"
        "expenditure_report,2015,2019,false,nato_defence_expenditure,"
    )
    assert lines[1].endswith(f",{sum(1 for r in OBS if r['edition'] == '2019-06')}")
    press = next(line for line in lines if line.startswith("2024-02,"))
    assert press.startswith(
        "2024-02,Secretary General welcomes unprecedented rise in NATO defence spending (press "
        "conference before the Defence Ministers' meeting),NATO,2024-02-14,,press_statement,,"
        "2023 2024,false,nato_defence_expenditure,"
    )
    assert press.endswith(",0")


def test_sources_equal_the_file(client: TestClient) -> None:
    rows = sorted(data_rows("sources.csv"), key=lambda r: r["id"])
    body = client.get("/v1/sources").json()
    assert body == {"items": [expected_source(r) for r in rows], "total": len(rows)}
    counts = Counter(r["source_id"] for r in OBS)
    assert (
        next(s for s in body["items"] if s["id"] == "nato-def-exp-2024-xlsx")["observations"]
        == counts["nato-def-exp-2024-xlsx"]
    )


def test_one_source(client: TestClient) -> None:
    row = next(r for r in data_rows("sources.csv") if r["id"] == "knews-2025-04-25")
    assert client.get("/v1/sources/knews-2025-04-25").json() == expected_source(row)


def test_sources_csv_header(client: TestClient) -> None:
    response = client.get("/v1/sources", headers={"Accept": "text/csv"})
    assert response.content.startswith(b"id,title,url,publisher,kind,trust,notes,observations\r\n")
    assert response.headers["content-disposition"] == 'attachment; filename="sources.csv"'


def test_indicators_csv_lists_editions_space_separated(client: TestClient) -> None:
    text = client.get("/v1/indicators?format=csv").content.decode("utf-8")
    line = next(li for li in text.split("\r\n") if li.startswith("real_change_2014_2024,"))
    assert line.endswith(",2024-06,31")


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (
            "/v1/indicators/share_gpd",
            "No indicator 'share_gpd'. Did you mean: share_gdp, share_of_nato_gdp, other_share? "
            "See /v1/indicators.",
        ),
        (
            "/v1/editions/2024-07",
            "No edition '2024-07'. Did you mean: 2026-07, 2024-06, 2024-03? See /v1/editions.",
        ),
        (
            "/v1/sources/knews-2025-04-26",
            "No source 'knews-2025-04-26'. Did you mean: knews-2025-04-25",
        ),
    ],
)
def test_unknown_ids_are_404_with_suggestions(client: TestClient, path: str, detail: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"].startswith(detail)
    assert {k: body[k] for k in ("type", "title", "status", "instance")} == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "instance": path,
    }


@pytest.mark.parametrize("path", ["/v1/indicators", "/v1/editions", "/v1/sources"])
def test_catalog_errors(client: TestClient, path: str) -> None:
    unknown = client.get(f"{path}?limit=5")
    assert unknown.status_code == 400
    assert unknown.json()["type"] == "/problems/unknown-parameter"
    not_acceptable = client.get(path, headers={"Accept": "image/png"})
    assert not_acceptable.status_code == 406
    assert not_acceptable.headers["content-type"] == "application/problem+json"
    bad_format = client.get(f"{path}?format=xml")
    assert bad_format.status_code == 422
    assert bad_format.json()["errors"][0]["parameter"] == "format"
