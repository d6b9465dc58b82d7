"""/v1/revisions and /v1/revisions/changes: figures across editions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows


def chain(indicator: str, ally: str, year: int) -> dict[str, str]:
    """The test's own reading: edition -> value for one figure."""
    return {
        r["edition"]: r["value"]
        for r in data_rows("observations.csv")
        if (r["indicator"], r["ally_iso3"], r["year"]) == (indicator, ally, str(year))
    }


def test_us_2024_share_of_gdp_across_editions(client: TestClient) -> None:
    response = client.get(
        "/v1/revisions", params={"ally": "USA", "indicator": "share_gdp", "year": 2024}
    )
    assert response.status_code == 200
    body = response.json()
    items = body["items"]
    # README: "US share of GDP, 2024: 3.38 (2024-06), 3.19 (2025-04), 3.21 (2025-08), 3.30
    # (2026-07, core)".
    assert [(i["edition"], i["value_published"]) for i in items] == [
        ("2024-06", "3.38"),
        ("2025-04", "3.19"),
        ("2025-08", "3.21"),
        ("2026-07", "3.30"),
    ]
    assert {i["edition"]: i["value_text"] for i in items} == chain("share_gdp", "USA", 2024)
    assert [i["change_published"] for i in items] == [None, "-0.19", "0.02", "0.09"]
    assert [i["change_text"] for i in items] == [
        None,
        "-0.1890207262385565",
        "0.015383573",
        "0.094616427",
    ]
    assert [i["definition_changed"] for i in items] == [False, False, False, True]
    assert items[-1]["expenditure_definition"] == "core_defence_expenditure"
    assert [i["source"] for i in items] == [
        "nato-def-exp-2024-xlsx",
        "knews-2025-04-25",
        "naman-nato-analytics-defence-per",
        "leave-the-gun-nato-defence-2026-extract",
    ]
    assert (body["ally"], body["name"], body["total"]) == ("USA", "United States", 4)


def test_us_2014_share_of_gdp_starts_with_the_2019_edition(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions", params={"ally": "USA", "indicator": "share_gdp", "year": 2014}
    ).json()
    # README: "US share of GDP, 2014: 3.73 (2019-06), 3.71 (2024-06, 2025-08 and 2026-07) vs
    # 3.68 (2025-04, AP only)".
    assert [(i["edition"], i["value_published"]) for i in body["items"]] == [
        ("2019-06", "3.73"),
        ("2024-06", "3.71"),
        ("2025-04", "3.68"),
        ("2025-08", "3.71"),
        ("2026-07", "3.71"),
    ]
    assert {i["edition"]: i["value_text"] for i in body["items"]} == chain("share_gdp", "USA", 2014)
    first = body["items"][0]
    assert (first["source"], first["change"], first["unit"]) == (
        "passport-nato-2019-rda",
        None,
        "% of real GDP (2015 prices)",
    )
    assert body["items"][1]["change_published"] == "-0.02"


def test_iso2_is_accepted(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions", params={"ally": "pl", "indicator": "share_gdp", "year": 2024}
    ).json()
    assert [i["value_published"] for i in body["items"]] == ["4.12", "4.07", "3.79", "3.75"]


def test_two_sources_in_one_edition_are_both_returned(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions",
        params={"aggregate": "NATO_EUROPE_CANADA", "indicator": "headline_usd_bn", "year": 2024},
    ).json()
    assert [
        (i["edition"], i["value_text"], i["source"], i["sources_in_edition"]) for i in body["items"]
    ] == [
        ("2025-02", "485", "newsfromrss-euronews-2025-02-12", 1),
        ("2025-04", "486", "nato-ar2024-web", 2),
        ("2025-04", "468", "tass-2025-04-25", 2),
        ("2025-08", "516", "thegaze-2025-08", 1),
    ]
    # No change is computed into or out of an edition whose sources disagree.
    assert [i["change"] for i in body["items"]] == [None, None, None, None]


def test_figure_in_no_edition_is_an_empty_chain(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions", params={"ally": "ISL", "indicator": "share_gdp", "year": 2024}
    ).json()
    assert body["items"] == []
    assert body["total"] == 0


def test_revisions_csv(client: TestClient) -> None:
    response = client.get(
        "/v1/revisions",
        params={"ally": "USA", "indicator": "share_gdp", "year": 2024, "format": "csv"},
    )
    lines = response.text.split("\r\n")
    assert lines[0].startswith("edition,published_on,expenditure_definition,definition_changed,")
    assert lines[2].startswith("2025-04,2025-04-24,nato_defence_expenditure,false,3.19,3.19,3.19,")


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"indicator": "share_gdp", "year": 2024}, 400, "bad-request"),
        (
            {"ally": "USA", "aggregate": "NATO_TOTAL", "indicator": "share_gdp", "year": 2024},
            400,
            "bad-request",
        ),
        ({"ally": "XX", "indicator": "share_gdp", "year": 2024}, 422, "unprocessable"),
        ({"aggregate": "NATO", "indicator": "share_gdp", "year": 2024}, 422, "unprocessable"),
        ({"ally": "USA", "indicator": "gdp", "year": 2024}, 422, "unprocessable"),
        ({"ally": "USA", "indicator": "share_gdp"}, 422, "invalid-parameters"),
    ],
)
def test_revisions_errors(
    client: TestClient, params: dict[str, object], status: int, slug: str
) -> None:
    response = client.get("/v1/revisions", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"


def test_changes_2024_06_to_2025_04_flip_montenegro(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions/changes",
        params={
            "from_edition": "2024-06",
            "to_edition": "2025-04",
            "indicator": "share_gdp",
            "year": 2024,
        },
    ).json()
    old, new = (
        {
            r["ally_iso3"]: Decimal(r["value"])
            for r in data_rows("observations.csv")
            if (r["indicator"], r["year"], r["edition"]) == ("share_gdp", "2024", edition)
        }
        for edition in ("2024-06", "2025-04")
    )
    changed = {a for a in old if a in new and old[a] != new[a]}
    assert body["total"] == len(changed)
    changes = [abs(Decimal(i["change_text"])) for i in body["items"]]
    assert changes == sorted(changes, reverse=True)
    assert body["items"][0]["ally"] == "MNE"
    assert body["definition_changed"] is False
    assert body["flips"] == [
        {
            "ally": "MNE",
            "name": "Montenegro",
            "year": 2024,
            "from_value_text": "2.0172837757020856",
            "to_value_text": "1.71",
            "from_meets": True,
            "to_meets": False,
        }
    ]


def test_changes_2025_04_to_2025_08_flip_four_allies(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions/changes",
        params={"from_edition": "2025-04", "to_edition": "2025-08", "year": 2024},
    ).json()
    # README: "Albania, Bulgaria, North Macedonia and Slovakia [fall below] between 2025-04
    # and 2025-08".
    assert [(f["ally"], f["from_meets"], f["to_meets"]) for f in body["flips"]] == [
        ("ALB", True, False),
        ("BGR", True, False),
        ("MKD", True, False),
        ("SVK", True, False),
    ]
    assert body["compliance_rule"]["threshold"] == 2.0


def test_changes_mark_the_definition_change(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions/changes",
        params={
            "from_edition": "2025-08",
            "to_edition": "2026-07",
            "indicator": "share_gdp",
            "year": 2025,
            "limit": 2,
        },
    ).json()
    assert body["definition_changed"] is True
    assert (body["from_definition"], body["to_definition"]) == (
        "nato_defence_expenditure",
        "core_defence_expenditure",
    )
    assert body["limit"] == 2
    assert len(body["items"]) == 2
    assert body["next"] is not None
    # README: Estonia 3.38 vs 3.93 and Albania 2.01 vs 1.48 (2025e): the largest changes.
    assert [(i["ally"], i["from_value_text"], i["to_value_text"]) for i in body["items"]] == [
        ("EST", "3.38", "3.93"),
        ("ALB", "2.01", "1.48"),
    ]


def test_changes_without_a_threshold_have_no_flips(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions/changes",
        params={
            "from_edition": "2024-06",
            "to_edition": "2026-07",
            "indicator": "usd_current",
            "year": 2024,
            "format": "csv",
        },
    )
    assert body.status_code == 200
    assert body.text.startswith(
        "ally,name,indicator,year,from_value,from_value_text,from_source,to_value,"
    )
    json_body = client.get(
        "/v1/revisions/changes",
        params={
            "from_edition": "2024-06",
            "to_edition": "2026-07",
            "indicator": "usd_current",
            "year": 2024,
        },
    ).json()
    assert (json_body["flips"], json_body["compliance_rule"]) == ([], None)
    # US 2024 spending is the same number in both editions: not a change.
    assert "USA" not in {i["ally"] for i in json_body["items"]}


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"from_edition": "2024-06", "to_edition": "2024-06"}, 422, "unprocessable"),
        ({"from_edition": "2024-05", "to_edition": "2024-06"}, 422, "unprocessable"),
        ({"from_edition": "June", "to_edition": "2024-06"}, 422, "invalid-parameters"),
        ({"to_edition": "2024-06"}, 422, "invalid-parameters"),
        (
            {"from_edition": "2024-06", "to_edition": "2025-04", "indicator": "x"},
            422,
            "unprocessable",
        ),
    ],
)
def test_changes_errors(
    client: TestClient, params: dict[str, object], status: int, slug: str
) -> None:
    response = client.get("/v1/revisions/changes", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["instance"] == "/v1/revisions/changes"


def _base(edition: str) -> int | None:
    year = {r["id"]: r for r in data_rows("editions.csv")}[edition]["constant_price_base_year"]
    return int(year) if year else None


def test_a_constant_price_figure_gets_no_change_across_price_bases(client: TestClient) -> None:
    # The example: the US 2024 figure at constant prices, 2015 dollars in 2024-06 and
    # 2021 dollars in 2025-04; the "change" would mostly be the base year.
    body = client.get("/v1/revisions?ally=USA&indicator=usd_constant&year=2024").json()
    previous = None
    for item in body["items"]:
        assert item["constant_price_base_year"] == _base(item["edition"])
        changed = previous is not None and _base(previous) != _base(item["edition"])
        assert item["price_base_changed"] is changed
        if changed:
            assert item["change"] is None
            assert "constant prices" in item["change_reason"]
            assert f"{_base(item['edition'])} prices" in item["change_reason"]
        elif previous is not None:
            assert item["change_reason"] is None
            assert item["change_text"] is not None
        previous = item["edition"]
    assert any(item["price_base_changed"] for item in body["items"])


def test_a_share_of_gdp_keeps_its_change_and_says_the_price_base_changed(
    client: TestClient,
) -> None:
    body = client.get("/v1/revisions?ally=USA&indicator=share_gdp&year=2024").json()
    by_edition = {item["edition"]: item for item in body["items"]}
    assert by_edition["2025-04"]["price_base_changed"] is (_base("2024-06") != _base("2025-04"))
    assert by_edition["2025-04"]["change_text"] is not None
    assert by_edition["2026-07"]["definition_changed"] is True


def test_changes_across_price_bases_withhold_constant_price_deltas(client: TestClient) -> None:
    url = "/v1/revisions/changes?from_edition=2024-06&to_edition=2025-04"
    body = client.get(f"{url}&indicator=usd_constant&year=2024").json()
    assert body["price_base_changed"] is True
    assert (body["from_price_base_year"], body["to_price_base_year"]) == (
        _base("2024-06"),
        _base("2025-04"),
    )
    assert body["items"] == []
    common = {
        r["ally_iso3"]
        for r in data_rows("observations.csv")
        if (r["indicator"], r["year"], r["edition"]) == ("usd_constant", "2024", "2025-04")
    }
    (withheld,) = body["not_compared"]
    assert withheld["indicator"] == "usd_constant"
    assert withheld["figures"] == len(common)
    # Shares of GDP across the same pair are still compared.
    shares = client.get(f"{url}&indicator=share_gdp&year=2024").json()
    assert shares["not_compared"] == []
    assert shares["total"] > 0


def test_changes_within_one_price_base_are_differenced(client: TestClient) -> None:
    body = client.get(
        "/v1/revisions/changes?from_edition=2025-08&to_edition=2026-07&indicator=usd_constant"
    ).json()
    assert _base("2025-08") == _base("2026-07")
    assert body["price_base_changed"] is False
    assert body["not_compared"] == []
    assert body["definition_changed"] is True
