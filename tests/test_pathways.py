"""/v1/pathways and /v1/pathways/{ally} through HTTP on the real data: every ally's path to
3.5% by 2035 (or any target and deadline), checked against the test's own reading of the
data files."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows

ALL_ALLIES = 32


@cache
def shares() -> dict[tuple[str, int, str], str]:
    """(ally, year, edition) -> share_gdp text, the test's own reading of observations.csv."""
    return {
        (r["ally_iso3"], int(r["year"]), r["edition"]): r["value"]
        for r in data_rows("observations.csv")
        if r["indicator"] == "share_gdp"
    }


@cache
def editions() -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in data_rows("editions.csv")}


def value_of(indicator: str, ally: str, year: int, edition: str) -> str | None:
    for r in data_rows("observations.csv"):
        if (r["indicator"], r["ally_iso3"], r["year"], r["edition"]) == (
            indicator,
            ally,
            str(year),
            edition,
        ):
            return r["value"]
    return None


def newest(ally: str, edition: str | None) -> tuple[int, str] | None:
    """(year, edition) of the ally's newest figure: in `edition`, or latest (for the newest
    year, the newest edition that has it)."""
    keys = [(y, e) for (a, y, e) in shares() if a == ally and (edition is None or e == edition)]
    if not keys:
        return None
    year = max(y for y, _ in keys)
    return year, max((e for y, e in keys if y == year), key=lambda e: editions()[e]["published_on"])


def expected(ally: str, target: Decimal, by: int, pace_years: int, edition: str | None) -> str:
    """The status the rules give, decided here on fractions from the data files."""
    found = newest(ally, edition)
    if found is None:
        return "no_data"
    year, ed = found
    latest = Fraction(shares()[(ally, year, ed)])
    shortfall = max(Fraction(target) - latest, Fraction(0))
    if shortfall == 0:
        return "met"
    earlier = shares().get((ally, year - pace_years, ed))
    if earlier is None:
        return "insufficient_data"
    pace = (latest - Fraction(earlier)) / pace_years
    return "on_track" if pace >= shortfall / (by - year) else "off_track"


def test_default_rule_every_ally_against_the_data_files(client: TestClient) -> None:
    body = client.get("/v1/pathways").json()
    assert body["rule"]["target_text"] == "3.5"
    assert (body["rule"]["by"], body["rule"]["pace_years"]) == (2035, 3)
    assert "1.5%" in body["rule"]["description"]
    assert body["edition_rule"]["mode"] == "latest"
    assert body["total"] == ALL_ALLIES
    statuses = {item["ally"]: item["status"] for item in body["items"]}
    assert statuses == {
        ally: expected(ally, Decimal("3.5"), 2035, 3, None)
        for ally in (r["iso3"] for r in data_rows("allies.csv"))
    }
    summary = body["summary"]
    for status in ("met", "on_track", "off_track", "insufficient_data", "no_data"):
        allies = sorted(a for a, s in statuses.items() if s == status)
        assert summary[f"{status}_allies"] == allies
        assert summary[status] == len(allies)
    assert summary["no_data_allies"] == ["ISL"]


def test_items_carry_their_figure_edition_definition_and_exact_computations(
    client: TestClient,
) -> None:
    body = client.get("/v1/pathways").json()
    for item in body["items"]:
        if item["status"] == "no_data":
            assert item["latest_value"] is None
            assert item["additional_usd_million"] is None
            continue
        year, edition = item["latest_year"], item["edition"]
        assert (year, edition) == newest(item["ally"], None)
        assert item["latest_value_text"] == shares()[(item["ally"], year, edition)]
        assert item["expenditure_definition"] == editions()[edition]["expenditure_definition"]
        base = editions()[edition]["constant_price_base_year"]
        assert item["constant_price_base_year"] == (int(base) if base else None)
        latest = Decimal(item["latest_value_text"])
        shortfall = max(Decimal("3.5") - latest, Decimal(0))
        assert Decimal(item["shortfall_pp_text"]) == shortfall
        assert item["years_left"] == 2035 - year
        required = Fraction(shortfall) / (2035 - year)
        assert Decimal(item["required_pp_per_year_text"]) == pytest.approx(
            Decimal(required.numerator) / Decimal(required.denominator), abs=Decimal("1e-12")
        )
        earlier = shares().get((item["ally"], year - 3, edition))
        assert item["pace_from_value_text"] == earlier
        if earlier is not None:
            pace = (Fraction(latest) - Fraction(earlier)) / 3
            if shortfall and pace > 0:
                assert item["projected_year"] == year + math.ceil(Fraction(shortfall) / pace)
            else:
                assert item["projected_year"] is None
        gdp = value_of("gdp_usd_current", item["ally"], year, edition)
        spent = value_of("usd_current", item["ally"], year, edition)
        if shortfall == 0:
            assert Decimal(item["additional_usd_million_text"]) == 0
        elif gdp and spent:
            assert Decimal(item["additional_usd_million_text"]) == Decimal("3.5") / 100 * Decimal(
                gdp
            ) - Decimal(spent)


def test_summary_sums_the_items_additional_spending(client: TestClient) -> None:
    body = client.get("/v1/pathways").json()
    total = sum(
        (
            Decimal(i["additional_usd_million_text"])
            for i in body["items"]
            if i["additional_usd_million_text"] is not None
        ),
        Decimal(0),
    )
    assert Decimal(body["summary"]["additional_usd_million_text"]) == total
    assert body["summary"]["editions"] == sorted(
        {i["edition"] for i in body["items"] if i["edition"]}
    )


def test_pinned_edition_target_and_deadline(client: TestClient) -> None:
    body = client.get("/v1/pathways?target=2&by=2030&edition=2024-06").json()
    assert body["summary"]["editions"] == ["2024-06"]
    assert body["summary"]["expenditure_definitions"] == ["nato_defence_expenditure"]
    assert body["summary"]["note"] is None
    for item in body["items"]:
        assert item["status"] == expected(item["ally"], Decimal(2), 2030, 3, "2024-06")
        if item["edition"]:
            assert item["edition"] == "2024-06"


def test_as_of_a_date_takes_the_newest_edition_then_and_names_every_one(
    client: TestClient,
) -> None:
    # On 1 May 2025 the newest share figures are the Annual Report's 2024 values: no pace year
    # in that edition, so no pace (never one taken from another edition).
    body = client.get("/v1/pathways?as_of=2025-05-01").json()
    items = [i for i in body["items"] if i["status"] != "no_data"]
    assert {i["edition"] for i in items} == {"2025-04"}
    assert {i["status"] for i in items} <= {"met", "insufficient_data"}
    assert all(i["pace_pp_per_year"] is None for i in items)


@pytest.mark.parametrize(
    "query", ["by=2026", "by=2025", "by=1990", "edition=2024-06&by=2024", "ally=DE&by=2026"]
)
def test_a_deadline_not_after_the_newest_figure_is_a_422_naming_it(
    client: TestClient, query: str
) -> None:
    response = client.get(f"/v1/pathways?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    newest_year = "2024" if "2024-06" in query else "2026"
    assert f"is not after {newest_year}" in problem["detail"]
    assert problem["errors"][0]["parameter"] == "by"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("target=0", "target"),
        ("target=100.5", "target"),
        ("target=abc", "target"),
        ("pace_years=0", "pace_years"),
        ("pace_years=11", "pace_years"),
        ("ally=XXX", "ally"),
        ("edition=1999-01", "edition"),
    ],
)
def test_bad_parameters_are_422_problems(client: TestClient, query: str, parameter: str) -> None:
    response = client.get(f"/v1/pathways?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == parameter


def test_target_100_and_target_5(client: TestClient) -> None:
    body = client.get("/v1/pathways?target=100&ally=POL").json()
    (item,) = body["items"]
    assert item["status"] == expected("POL", Decimal(100), 2035, 3, None)
    five = client.get("/v1/pathways?target=5").json()
    assert "core defence expenditure alone" in five["rule"]["description"]


def test_ally_filter_iso2_and_iso3_in_code_order(client: TestClient) -> None:
    body = client.get("/v1/pathways?ally=us&ally=PL,ISL").json()
    assert [i["ally"] for i in body["items"]] == ["ISL", "POL", "USA"]
    assert body["summary"]["no_data_allies"] == ["ISL"]
    assert body["items"][0]["reason"] == "Iceland has no armed forces: no expenditure figures"


def test_csv_and_ndjson_twins_hold_the_json_items(client: TestClient) -> None:
    items = client.get("/v1/pathways").json()["items"]
    for url in ("/v1/pathways?format=csv", "/v1/pathways.csv"):
        response = client.get(url)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert list(rows[0]) == list(items[0])
        assert [r["ally"] for r in rows] == [i["ally"] for i in items]
        assert [r["required_pp_per_year_text"] for r in rows] == [
            i["required_pp_per_year_text"] or "" for i in items
        ]
    ndjson = client.get("/v1/pathways.ndjson").text.splitlines()
    assert [json.loads(line) for line in ndjson] == items


def test_one_ally_year_by_year(client: TestClient) -> None:
    body = client.get("/v1/pathways/us?pace_years=2").json()
    pathway = body["pathway"]
    assert pathway["ally"] == "USA"
    edition, latest_year = pathway["edition"], pathway["latest_year"]
    series = {y: v for (a, y, e), v in shares().items() if a == "USA" and e == edition}
    points: list[dict[str, Any]] = body["items"]
    assert [p["year"] for p in points] == sorted(set(series) | set(range(latest_year, 2036)))
    for point in points:
        assert point["published_text"] == series.get(point["year"])
        if point["year"] < latest_year:
            assert point["required"] is None
            assert point["projected"] is None
    first, last = points[-(2036 - latest_year)], points[-1]
    assert first["required_text"] == pathway["latest_value_text"]
    assert Decimal(last["required_text"]) == max(
        Decimal("3.5"), Decimal(pathway["latest_value_text"])
    )
    pace = Fraction(pathway["latest_value_text"]) - Fraction(series[latest_year - 2])
    projected = Fraction(pathway["latest_value_text"]) + pace / 2 * (2035 - latest_year)
    assert Decimal(last["projected_text"]) == pytest.approx(
        Decimal(projected.numerator) / Decimal(projected.denominator), abs=Decimal("1e-12")
    )


def test_one_ally_errors_and_iceland(client: TestClient) -> None:
    missing = client.get("/v1/pathways/XX")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    iceland = client.get("/v1/pathways/IS").json()
    assert iceland["pathway"]["status"] == "no_data"
    assert iceland["items"] == []
    assert client.get("/v1/pathways/POL?format=csv").status_code == 406
