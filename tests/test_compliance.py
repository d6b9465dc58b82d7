"""/v1/compliance and /v1/compliance/history: who meets 2% (or any threshold), per edition."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows

ALL_ALLIES = 32


@cache
def observations() -> tuple[dict[str, str], ...]:
    return tuple(data_rows("observations.csv"))


def figure(indicator: str, ally: str, year: int, edition: str) -> str | None:
    for row in observations():
        if (row["indicator"], row["ally_iso3"], row["year"], row["edition"]) == (
            indicator,
            ally,
            str(year),
            edition,
        ):
            return row["value"]
    return None


def expected_meeting(
    indicator: str, year: int, edition: str, threshold: Decimal, *, published: bool = False
) -> list[str]:
    """The test's own reading of observations.csv: allies at or above the threshold."""
    out = []
    for row in observations():
        if (row["indicator"], row["year"], row["edition"]) != (indicator, str(year), edition):
            continue
        value = Decimal(row["value"])
        if published:
            value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if value >= threshold:
            out.append(row["ally_iso3"])
    return sorted(out)


def published_count(year: int, edition: str) -> int:
    rows = [
        r
        for r in data_rows("aggregates.csv")
        if (r["aggregate"], r["indicator"], r["year"], r["edition"])
        == ("ALLIES", "count_allies_2pct", str(year), edition)
    ]
    assert len(rows) == 1
    return int(rows[0]["value"])


@pytest.mark.parametrize(
    ("edition", "count"),
    [("2024-06", 23), ("2025-04", 22), ("2025-08", 18), ("2026-07", 17)],
)
def test_allies_at_2pct_in_2024_per_edition(client: TestClient, edition: str, count: int) -> None:
    response = client.get("/v1/compliance", params={"year": 2024, "edition": edition})
    assert response.status_code == 200
    body = response.json()
    meeting = expected_meeting("share_gdp", 2024, edition, Decimal(2))
    assert len(meeting) == count  # the README's figure, reproduced from the data file
    assert body["summary"]["meeting"] == count
    assert body["summary"]["meeting_allies"] == meeting
    assert body["summary"]["below"] == 31 - count
    assert body["summary"]["no_data"] == 1
    assert body["summary"]["no_data_allies"] == ["ISL"]
    assert body["editions"] == [edition]
    assert body["edition_rule"] == {
        "mode": "edition",
        "edition": edition,
        "as_of": None,
        "description": f"edition {edition} only",
    }
    assert body["total"] == ALL_ALLIES == len(body["items"])
    assert {i["ally"] for i in body["items"] if i["meets"]} == set(meeting)
    assert all(i["edition"] == edition for i in body["items"] if i["ally"] != "ISL")


@pytest.mark.parametrize(
    ("edition", "year", "count", "not_in_edition"),
    [
        # seed/data/README.md: "At 2%: 3 allies in 2014, 6 in 2018 and 7 in 2019e (2019-06);
        # 11 in 2023e (2023-07), the count reported in July 2023."
        ("2019-06", 2014, 3, ["FIN", "MKD", "SWE"]),
        ("2019-06", 2018, 6, ["FIN", "MKD", "SWE"]),
        ("2019-06", 2019, 7, ["FIN", "MKD", "SWE"]),
        ("2023-07", 2023, 11, ["SWE"]),
    ],
)
def test_older_editions_reproduce_their_published_counts(
    client: TestClient, edition: str, year: int, count: int, not_in_edition: list[str]
) -> None:
    body = client.get("/v1/compliance", params={"year": year, "edition": edition}).json()
    meeting = expected_meeting("share_gdp", year, edition, Decimal(2))
    assert len(meeting) == count
    assert body["summary"]["meeting_allies"] == meeting
    covered = ALL_ALLIES - 1 - len(not_in_edition)  # Iceland is in no expenditure table
    assert body["summary"]["below"] == covered - count
    # Allies the edition does not list are no_data, never failing, with the reason.
    assert body["summary"]["no_data_allies"] == sorted(["ISL", *not_in_edition])
    assert body["editions"] == [edition]
    reasons = {i["ally"]: i["reason"] for i in body["items"] if i["status"] == "no_data"}
    names = {r["iso3"]: r["name"] for r in data_rows("allies.csv")}
    published_on = next(e for e in data_rows("editions.csv") if e["id"] == edition)["published_on"]
    for ally in not_in_edition:
        joined = next(r for r in data_rows("allies.csv") if r["iso3"] == ally)["accession_year"]
        assert reasons[ally] == (
            f"edition {edition} has no share_gdp figure for {names[ally]} in {year}: "
            f"{names[ally]} was not yet an ally when the edition was published "
            f"({published_on}; joined {joined})"
        )


def test_history_of_2019_06_covers_28_allies_from_2012(client: TestClient) -> None:
    body = client.get("/v1/compliance/history", params={"edition": "2019-06"}).json()
    assert [i["year"] for i in body["items"]] == list(range(2012, 2020))
    for item in body["items"]:
        assert item["meeting"] + item["below"] == 28
        assert item["no_data_allies"] == ["FIN", "ISL", "MKD", "SWE"]
        assert item["meeting_allies"] == expected_meeting(
            "share_gdp", item["year"], "2019-06", Decimal(2)
        )
    latest = client.get("/v1/compliance/history").json()["items"]
    # Under the latest rule 2012 and 2013 come from 2019-06, the only edition that has them.
    assert [(i["year"], i["editions"]) for i in latest[:3]] == [
        (2012, ["2019-06"]),
        (2013, ["2019-06"]),
        (2014, ["2026-07"]),
    ]


def test_published_count_is_shown_beside_the_computed_one(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2024, "edition": "2025-04"}).json()
    assert body["published_counts"] == [
        {
            "aggregate": "ALLIES",
            "indicator": "count_allies_2pct",
            "year": 2024,
            "value": published_count(2024, "2025-04"),
            "value_text": "22",
            "qualifier": None,
            "unit": "number of allies",
            "edition": "2025-04",
            "source": "anews-2025-04-24",
            "is_estimate": True,
            "computed_meeting": 22,
            "mismatch": False,
        }
    ]


def test_published_count_mismatch_is_flagged(client: TestClient) -> None:
    # 2025-08: "all except Iceland" (31) at 2% in 2025, but the edition has 2025e shares for
    # only 23 allies (17 published, 6 gap fills): the computed count cannot reach 31.
    body = client.get("/v1/compliance", params={"year": 2025, "edition": "2025-08"}).json()
    (count,) = body["published_counts"]
    assert count["value"] == published_count(2025, "2025-08") == 31
    meeting = expected_meeting("share_gdp", 2025, "2025-08", Decimal(2))
    assert count["computed_meeting"] == body["summary"]["meeting"] == len(meeting) < 31
    assert count["mismatch"] is True


def test_latest_rule_does_not_compare_counts_of_other_editions(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2024}).json()
    assert body["edition_rule"]["mode"] == "latest"
    assert body["editions"] == ["2026-07"]
    assert body["summary"]["meeting"] == 17
    # Newest published count (2025-08: 18) and Rutte's words (Feb 2025: "two-thirds").
    assert [
        (c["edition"], c["indicator"], c["value"], c["qualifier"], c["mismatch"])
        for c in body["published_counts"]
    ] == [
        ("2025-02", "fraction_allies_2pct", None, "two-thirds (textual; no number given)", None),
        ("2025-08", "count_allies_2pct", 18, None, None),
    ]


def test_as_of_reproduces_the_annual_report(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2024, "as_of": "2025-05-01"}).json()
    assert body["editions"] == ["2025-04"]
    assert body["summary"]["meeting"] == 22
    assert body["edition_rule"]["mode"] == "as_of"


def test_iceland_is_no_data_never_failing(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2024, "edition": "2024-06"}).json()
    iceland = next(i for i in body["items"] if i["ally"] == "ISL")
    assert iceland == {
        "ally": "ISL",
        "name": "Iceland",
        "year": 2024,
        "value": None,
        "value_text": None,
        "compared_value_text": None,
        "edition": None,
        "source": None,
        "is_estimate": None,
        "unit": None,
        "meets": None,
        "status": "no_data",
        "gap_pp": None,
        "gap_pp_text": None,
        "shortfall_usd_million": None,
        "reason": "Iceland has no armed forces: no expenditure figures",
        "expenditure_definition": None,
    }
    assert "ISL" not in body["summary"]["below_allies"]


def test_ally_missing_from_an_edition_is_no_data_naming_the_edition(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2025, "edition": "2025-08"}).json()
    covered = {
        r["ally_iso3"]
        for r in observations()
        if r["edition"] == "2025-08" and r["indicator"] == "share_gdp" and r["year"] == "2025"
    }
    assert len(covered) == 23  # 17 allies NATO published, 6 gap fills (seed/data/README.md)
    no_data = body["summary"]["no_data_allies"]
    assert set(no_data) == {i["ally"] for i in body["items"]} - covered
    germany = next(i for i in body["items"] if i["ally"] == "DEU")
    assert germany["status"] == "no_data"
    assert germany["reason"] == "edition 2025-08 has no share_gdp figure for Germany in 2025"
    assert body["summary"]["below"] == 0


def test_value_equal_to_threshold_meets_it(client: TestClient) -> None:
    assert figure("share_gdp", "DEU", 2024, "2026-07") == "2.0"
    body = client.get("/v1/compliance", params={"year": 2024, "edition": "2026-07"}).json()
    germany = next(i for i in body["items"] if i["ally"] == "DEU")
    assert germany["meets"] is True
    assert germany["gap_pp"] == 0.0
    assert germany["gap_pp_text"] == "0.0"
    assert germany["shortfall_usd_million"] == 0.0


def test_basis_published_rounds_half_up_before_comparing(client: TestClient) -> None:
    # Poland 2018 in 2025-08 is 1.995933772: below 2 at full precision, 2.00 as printed.
    value = figure("share_gdp", "POL", 2018, "2025-08")
    assert value == "1.995933772"
    full = client.get(
        "/v1/compliance", params={"year": 2018, "edition": "2025-08", "basis": "full_precision"}
    ).json()
    printed = client.get(
        "/v1/compliance", params={"year": 2018, "edition": "2025-08", "basis": "published"}
    ).json()
    pol_full = next(i for i in full["items"] if i["ally"] == "POL")
    pol_printed = next(i for i in printed["items"] if i["ally"] == "POL")
    assert (pol_full["meets"], pol_full["compared_value_text"]) == (False, value)
    assert pol_full["gap_pp_text"] == "-0.004066228"
    assert (pol_printed["meets"], pol_printed["compared_value_text"]) == (True, "2.00")
    assert pol_printed["gap_pp_text"] == "0.00"
    assert printed["summary"]["meeting"] == full["summary"]["meeting"] + 1
    assert full["summary"]["meeting_allies"] == expected_meeting(
        "share_gdp", 2018, "2025-08", Decimal(2)
    )
    assert printed["summary"]["meeting_allies"] == expected_meeting(
        "share_gdp", 2018, "2025-08", Decimal(2), published=True
    )
    assert printed["rule"]["basis"] == "published"
    assert "rounded to 2 decimals, half up" in printed["rule"]["description"]


def test_shortfall_uses_gdp_and_spending_of_the_same_edition(client: TestClient) -> None:
    body = client.get("/v1/compliance", params={"year": 2024, "edition": "2024-06"}).json()
    belgium = next(i for i in body["items"] if i["ally"] == "BEL")
    gdp = Decimal(figure("gdp_usd_current", "BEL", 2024, "2024-06") or "")
    spent = Decimal(figure("usd_current", "BEL", 2024, "2024-06") or "")
    assert belgium["meets"] is False
    assert belgium["shortfall_usd_million"] == float(Decimal("0.02") * gdp - spent)
    # 2025-04 has no GDP figures: no shortfall, never one computed from another edition.
    body = client.get("/v1/compliance", params={"year": 2024, "edition": "2025-04"}).json()
    assert {i["shortfall_usd_million"] for i in body["items"]} == {None}


@pytest.mark.parametrize("threshold", ["3.5", "5"])
def test_any_threshold(client: TestClient, threshold: str) -> None:
    body = client.get(
        "/v1/compliance", params={"year": 2026, "edition": "2026-07", "threshold": threshold}
    ).json()
    assert body["summary"]["meeting_allies"] == expected_meeting(
        "share_gdp", 2026, "2026-07", Decimal(threshold)
    )
    assert body["rule"]["threshold"] == float(threshold)
    assert body["published_counts"] == []  # published counts are of allies at 2% only


def test_equipment_share_against_20pct_by_default(client: TestClient) -> None:
    body = client.get(
        "/v1/compliance",
        params={"year": 2024, "edition": "2024-06", "indicator": "equipment_share"},
    ).json()
    assert body["rule"]["threshold"] == 20.0
    assert body["summary"]["meeting_allies"] == expected_meeting(
        "equipment_share", 2024, "2024-06", Decimal(20)
    )
    assert {i["shortfall_usd_million"] for i in body["items"]} == {None}


def test_csv(client: TestClient) -> None:
    response = client.get(
        "/v1/compliance", params={"year": 2024, "edition": "2025-04", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    lines = response.text.split("\r\n")
    assert lines[0] == (
        "ally,name,year,value,value_text,compared_value_text,edition,source,is_estimate,unit,"
        "meets,status,gap_pp,gap_pp_text,shortfall_usd_million,reason,expenditure_definition"
    )
    assert lines[1] == (
        "ALB,Albania,2024,2.04,2.04,2.04,2025-04,knews-2025-04-25,true,% of GDP,true,meeting,"
        "0.04,0.04,,,nato_defence_expenditure"
    )
    assert len([line for line in lines if line]) == 1 + ALL_ALLIES


def test_history_per_year_in_2026_07(client: TestClient) -> None:
    body = client.get("/v1/compliance/history", params={"edition": "2026-07"}).json()
    counts = {item["year"]: item["meeting"] for item in body["items"]}
    # README: "At 2%: 3 allies in 2014, 10 in 2023, 17 in 2024, 28 in 2025e, 30 in 2026e".
    assert counts == {
        year: len(expected_meeting("share_gdp", year, "2026-07", Decimal(2)))
        for year in range(2014, 2027)
    }
    assert (counts[2014], counts[2023], counts[2024], counts[2025], counts[2026]) == (
        3,
        10,
        17,
        28,
        30,
    )
    year_2026 = body["items"][-1]
    assert year_2026["below_allies"] == ["SVN"]


def test_history_shows_published_counts(client: TestClient) -> None:
    body = client.get("/v1/compliance/history", params={"edition": "2024-06"}).json()
    by_year = {item["year"]: item for item in body["items"]}
    (count_2023,) = by_year[2023]["published_counts"]
    assert (count_2023["value"], count_2023["computed_meeting"], count_2023["mismatch"]) == (
        10,
        10,
        False,
    )
    assert by_year[2024]["meeting"] == 23
    assert by_year[2014]["published_counts"] == []


def test_history_csv(client: TestClient) -> None:
    response = client.get("/v1/compliance/history", params={"edition": "2025-04", "format": "csv"})
    lines = response.text.split("\r\n")
    assert lines[0].startswith("year,meeting,below,no_data,meeting_allies,")
    assert lines[1].startswith("2014,1,0,31,USA,,")  # 2025-04 has only US 2014 (AP)


def _problem(response_json: dict[str, object], status: int, slug: str) -> None:
    assert response_json["status"] == status
    assert response_json["type"] == f"/problems/{slug}"
    assert set(response_json) >= {"type", "title", "status", "detail", "instance"}


@pytest.mark.parametrize(
    ("params", "status", "slug", "detail"),
    [
        ({"year": 2024, "indicator": "share_gpd"}, 422, "unprocessable", "Did you mean"),
        ({"year": 2024, "indicator": "usd_current"}, 422, "unprocessable", "not a share"),
        ({"year": 2024, "indicator": "personnel_share"}, 422, "unprocessable", "no default"),
        ({}, 422, "invalid-parameters", "year"),
        ({"year": 2024, "basis": "rounded"}, 422, "invalid-parameters", "basis"),
        ({"year": 2024, "threshold": "two"}, 422, "invalid-parameters", "threshold"),
        ({"year": 2024, "edition": "2023-01"}, 422, "unprocessable", "Known editions"),
        (
            {"year": 2024, "edition": "2024-06", "as_of": "2025-01-01"},
            400,
            "bad-request",
            "not both",
        ),
        ({"year": 2024, "treshold": "2"}, 400, "unknown-parameter", "treshold"),
    ],
)
def test_errors(
    client: TestClient, params: dict[str, object], status: int, slug: str, detail: str
) -> None:
    response = client.get("/v1/compliance", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    _problem(body, status, slug)
    assert detail in body["detail"]
    assert body["instance"] == "/v1/compliance"


def test_history_errors(client: TestClient) -> None:
    response = client.get("/v1/compliance/history", params={"indicator": "gdp_per_capita"})
    assert response.status_code == 422
    _problem(response.json(), 422, "unprocessable")


def test_mixed_editions_are_visible_per_item(client: TestClient) -> None:
    # as_of 1 May 2025, year 2014: the US figure comes from 2025-04 (AP: 3.68), every other
    # ally's from 2024-06. Each item says which; the published count (Feb 2024: 3 allies)
    # is not compared with a count mixing two editions.
    body = client.get("/v1/compliance", params={"year": 2014, "as_of": "2025-05-01"}).json()
    assert body["editions"] == ["2024-06", "2025-04"]
    usa = next(i for i in body["items"] if i["ally"] == "USA")
    assert (usa["edition"], usa["value_text"]) == (
        "2025-04",
        figure("share_gdp", "USA", 2014, "2025-04"),
    )
    assert {i["edition"] for i in body["items"] if i["ally"] not in ("USA", "ISL")} == {"2024-06"}
    (count,) = body["published_counts"]
    assert (count["edition"], count["value"], count["mismatch"]) == ("2024-02", 3, None)
    assert body["summary"]["meeting"] == 3


@pytest.mark.parametrize("query", ["year=2024", "year=2024&edition=2024-06", "year=2023"])
def test_items_name_their_figures_definition(client: TestClient, query: str) -> None:
    definitions = {r["id"]: r["expenditure_definition"] for r in data_rows("editions.csv")}
    items = client.get(f"/v1/compliance?{query}").json()["items"]
    for item in items:
        expected = definitions[item["edition"]] if item["edition"] else None
        assert item["expenditure_definition"] == expected
    assert {i["expenditure_definition"] for i in items if i["edition"]}
