"""/v1/totals: published aggregates beside the exact sums of the per-ally values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows


def member_sum(indicator: str, year: int, edition: str, allies: set[str] | None = None) -> Decimal:
    """The test's own sum over the allies that were members that year."""
    joined = {r["iso3"]: int(r["accession_year"]) for r in data_rows("allies.csv")}
    return sum(
        (
            Decimal(r["value"])
            for r in data_rows("observations.csv")
            if (r["indicator"], r["year"], r["edition"]) == (indicator, str(year), edition)
            and joined[r["ally_iso3"]] <= year
            and (allies is None or r["ally_iso3"] in allies)
        ),
        Decimal(0),
    )


def aggregate_value(aggregate: str, indicator: str, year: int, edition: str) -> str:
    (row,) = [
        r
        for r in data_rows("aggregates.csv")
        if (r["aggregate"], r["indicator"], r["year"], r["edition"])
        == (aggregate, indicator, str(year), edition)
    ]
    return row["value"]


def group(body: dict[str, object], year: int, name: str) -> dict[str, object]:
    items = body["items"]
    assert isinstance(items, list)
    (item,) = [i for i in items if i["year"] == year and i["group"] == name]
    return item  # type: ignore[no-any-return]


def test_2024_06_totals_published_and_computed(client: TestClient) -> None:
    response = client.get("/v1/totals", params={"from": 2024, "to": 2024, "edition": "2024-06"})
    assert response.status_code == 200
    body = response.json()
    assert body["measure"] == "usd_current"
    assert [i["group"] for i in body["items"]] == [
        "NATO_TOTAL",
        "NATO_EUROPE_CANADA",
        "NATO_EUROPE",
        "USA",
        "USA_SHARE_OF_NATO",
    ]
    total = group(body, 2024, "NATO_TOTAL")
    expected = member_sum("usd_current", 2024, "2024-06")
    assert total["computed_value_text"] == format(expected, "f")
    assert total["computed_allies"] == 31
    assert total["computed_editions"] == ["2024-06"]
    assert total["mixed_editions"] is False
    (published,) = total["published"]
    published_text = aggregate_value("NATO_TOTAL", "usd_current", 2024, "2024-06")
    assert published["value_text"] == published_text == "1474399.4765734388"
    assert published["price_basis"] == "current"
    assert published["source"] == "nato-def-exp-2024-xlsx"
    assert published["difference_text"] == format(Decimal(published_text) - expected, "f")
    usa = group(body, 2024, "USA")
    assert usa["computed_value_text"] == "967707"
    share = group(body, 2024, "USA_SHARE_OF_NATO")
    assert share["computed_value_text"] == "65.6340"


def test_europe_excludes_canada_and_the_us(client: TestClient) -> None:
    body = client.get("/v1/totals", params={"from": 2024, "to": 2024, "edition": "2024-06"}).json()
    europe = group(body, 2024, "NATO_EUROPE")
    europe_canada = group(body, 2024, "NATO_EUROPE_CANADA")
    assert europe["computed_allies"] == 29
    assert Decimal(europe_canada["computed_value_text"]) - Decimal(
        europe["computed_value_text"]
    ) == Decimal(
        next(
            r["value"]
            for r in data_rows("observations.csv")
            if (r["indicator"], r["ally_iso3"], r["year"], r["edition"])
            == ("usd_current", "CAN", "2024", "2024-06")
        )
    )


def test_sums_count_only_that_years_members(client: TestClient) -> None:
    # Montenegro (2017), North Macedonia (2020), Finland (2023) and Sweden (2024) were not
    # members in 2014: NATO's 2014 aggregate leaves them out, and so does the sum.
    body = client.get("/v1/totals", params={"from": 2014, "to": 2014, "edition": "2024-06"}).json()
    total = group(body, 2014, "NATO_TOTAL")
    assert total["computed_allies"] == 27
    assert total["computed_value_text"] == format(member_sum("usd_current", 2014, "2024-06"), "f")
    (published,) = total["published"]
    assert abs(Decimal(published["difference_text"])) < Decimal("0.000001")


def test_published_qualifier_and_price_basis_are_kept(client: TestClient) -> None:
    body = client.get("/v1/totals", params={"from": 2024, "to": 2024}).json()
    total = group(body, 2024, "NATO_TOTAL")
    around = [p for p in total["published"] if p["qualifier"] == "around"]
    assert around == [
        {
            "aggregate": "NATO_TOTAL",
            "indicator": "headline_usd_tn",
            "value": 1.3,
            "value_text": "1.3",
            "qualifier": "around",
            "unit": "US$ trillion (price basis not stated)",
            "price_basis": "not stated",
            "edition": "2025-04",
            "source": "ap-euronews-2025-04-24",
            "is_estimate": True,
            "difference": None,
            "difference_text": None,
        }
    ]
    assert body["edition_rule"]["mode"] == "latest"
    assert total["computed_editions"] == ["2026-07"]


def test_constant_prices_within_one_edition(client: TestClient) -> None:
    body = client.get(
        "/v1/totals",
        params={"from": 2024, "to": 2024, "edition": "2024-06", "measure": "usd_constant"},
    ).json()
    total = group(body, 2024, "NATO_TOTAL")
    assert total["computed_value_text"] == format(member_sum("usd_constant", 2024, "2024-06"), "f")
    table = [p for p in total["published"] if p["indicator"] == "usd_constant"]
    assert [p["value_text"] for p in table] == ["1184796.4471574835"]
    assert "2015 prices" in table[0]["unit"]


def test_constant_prices_of_different_base_years_are_refused(client: TestClient) -> None:
    # as_of 1 May 2025: 2024-06 (2015 prices) for most figures, 2025-04 (2021 prices) for the
    # US in 2024. They must never be summed.
    response = client.get("/v1/totals", params={"measure": "usd_constant", "as_of": "2025-05-01"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/unprocessable"
    assert "2024-06 (2015 prices), 2025-04 (2021 prices)" in body["detail"]
    assert "edition=2025-04" in body["detail"]
    assert body["errors"] == [
        {"parameter": "measure", "in": "query", "message": "mixed base years"}
    ]
    # The same date at current prices is served, with the mix made visible.
    body = client.get("/v1/totals", params={"as_of": "2025-05-01", "from": 2024, "to": 2024}).json()
    usa = group(body, 2024, "USA")
    assert usa["computed_editions"] == ["2025-04"]
    assert group(body, 2024, "NATO_TOTAL")["mixed_editions"] is True


def test_constant_prices_before_the_mix_are_served(client: TestClient) -> None:
    response = client.get(
        "/v1/totals",
        params={"measure": "usd_constant", "as_of": "2025-05-01", "from": 2014, "to": 2023},
    )
    assert response.status_code == 200


def test_incomplete_sum_is_null_not_partial(client: TestClient) -> None:
    body = client.get("/v1/totals", params={"from": 2025, "to": 2025, "edition": "2025-08"}).json()
    total = group(body, 2025, "NATO_TOTAL")
    assert total["computed_value"] is None
    assert total["computed_allies"] == 2  # GBR and USA only, from news
    assert len(total["computed_missing"]) == 29
    assert group(body, 2025, "USA")["computed_value_text"] == "980000"


def test_csv(client: TestClient) -> None:
    response = client.get(
        "/v1/totals", params={"from": 2024, "to": 2024, "edition": "2024-06", "format": "csv"}
    )
    assert response.status_code == 200
    lines = response.text.split("\r\n")
    assert lines[0] == (
        "year,group,computed_value,computed_value_text,computed_unit,computed_allies,"
        "computed_missing,computed_editions,computed_sources,mixed_editions,published"
    )
    assert lines[4].startswith("2024,USA,967707.0,967707,million US dollars,1,,2024-06,")


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"from": 2025, "to": 2014}, 422, "unprocessable"),
        ({"measure": "eur"}, 422, "invalid-parameters"),
        ({"from": "x"}, 422, "invalid-parameters"),
        ({"edition": "1999-01"}, 422, "unprocessable"),
        ({"year": 2024}, 400, "unknown-parameter"),
    ],
)
def test_errors(client: TestClient, params: dict[str, object], status: int, slug: str) -> None:
    response = client.get("/v1/totals", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["instance"] == "/v1/totals"
