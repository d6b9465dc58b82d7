"""/v1/claims/check: a claimed figure or count against every edition."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import data_rows


def editions() -> list[str]:
    return [r["id"] for r in sorted(data_rows("editions.csv"), key=lambda r: r["published_on"])]


def test_us_3_19_pct_in_2024(client: TestClient) -> None:
    response = client.get(
        "/v1/claims/check",
        params={"indicator": "share_gdp", "ally": "USA", "year": 2024, "value": "3.19"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["claim"] == "USA share_gdp 2024 = 3.19"
    assert body["supported_by"] == ["2025-04"]
    assert body["contradicted_by"] == ["2024-06", "2025-08", "2026-07"]
    assert body["not_covered_by"] == ["2019-06", "2023-07", "2024-02", "2024-03", "2025-02"]
    assert [i["edition"] for i in body["items"]] == editions()
    by_edition = {i["edition"]: i for i in body["items"]}
    assert by_edition["2024-06"]["compared_text"] == "3.38"
    assert by_edition["2025-08"]["compared_text"] == "3.21"
    assert by_edition["2025-04"]["source"] == "knews-2025-04-25"
    assert by_edition["2026-07"]["expenditure_definition"] == "core_defence_expenditure"


def test_precision_of_the_claim_decides(client: TestClient) -> None:
    body = client.get(
        "/v1/claims/check", params={"ally": "US", "year": 2024, "value": "3.2"}
    ).json()
    assert body["supported_by"] == ["2025-04", "2025-08"]
    assert "1 decimal" in body["rule"]


def test_count_claim_23_allies_in_2024(client: TestClient) -> None:
    body = client.get("/v1/claims/check", params={"year": 2024, "count": 23}).json()
    assert body["supported_by"] == ["2024-06"]
    assert body["contradicted_by"] == ["2025-04", "2025-08", "2026-07"]
    by_edition = {i["edition"]: i for i in body["items"]}
    assert by_edition["2025-04"]["value"] == 22
    assert by_edition["2025-04"]["published_count"] == "22"
    assert by_edition["2024-02"]["published_count"] == "18"  # expected, Feb 2024
    assert by_edition["2024-02"]["verdict"] == "not_covered"


@pytest.mark.parametrize(
    ("year", "count", "supported_by"),
    [
        # 2019-06 lists 28 allies and 2023-07 30: the allies that joined later do not leave
        # their counts open (2024-03, the Annual Report 2023, has no Sweden either).
        (2019, 7, ["2019-06", "2024-06"]),
        (2023, 11, ["2023-07", "2024-03"]),
    ],
)
def test_count_claims_of_editions_that_list_fewer_allies(
    client: TestClient, year: int, count: int, supported_by: list[str]
) -> None:
    body = client.get("/v1/claims/check", params={"year": year, "count": count}).json()
    assert body["supported_by"] == supported_by
    by_edition = {i["edition"]: i for i in body["items"]}
    first = by_edition[supported_by[0]]
    assert (first["value"], first["verdict"]) == (count, "match")


def test_count_claim_that_an_edition_cannot_decide(client: TestClient) -> None:
    # 2025-08 has 2025e shares for 23 allies only: "31 allies" is neither confirmed nor refuted.
    body = client.get("/v1/claims/check", params={"year": 2025, "count": 31}).json()
    by_edition = {i["edition"]: i for i in body["items"]}
    assert by_edition["2025-08"]["verdict"] == "not_covered"
    covered = [
        r
        for r in data_rows("observations.csv")
        if (r["indicator"], r["year"], r["edition"]) == ("share_gdp", "2025", "2025-08")
    ]
    assert by_edition["2025-08"]["covered_allies"] == len(covered) == 23
    assert by_edition["2026-07"]["verdict"] == "mismatch"
    assert by_edition["2026-07"]["value"] == 28


def test_csv(client: TestClient) -> None:
    response = client.get(
        "/v1/claims/check", params={"ally": "USA", "year": 2024, "value": "3.19", "format": "csv"}
    )
    lines = response.text.split("\r\n")
    assert lines[0] == (
        "edition,published_on,expenditure_definition,verdict,value,value_text,compared_text,"
        "source,covered_allies,published_count"
    )
    assert "2025-04,2025-04-24,nato_defence_expenditure,match,3.19,3.19,3.19," in response.text


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"year": 2024}, 400, "bad-request"),
        ({"year": 2024, "ally": "USA"}, 400, "bad-request"),
        ({"year": 2024, "ally": "USA", "value": "3.19", "count": 22}, 400, "bad-request"),
        ({"year": 2024, "ally": "USA", "value": "lots"}, 422, "invalid-parameters"),
        ({"year": 2024, "ally": "ZZZ", "value": "3"}, 422, "unprocessable"),
        ({"year": 2024, "count": 22, "indicator": "usd_current"}, 422, "unprocessable"),
        ({"year": 2024, "count": 40}, 422, "invalid-parameters"),
    ],
)
def test_errors(client: TestClient, params: dict[str, object], status: int, slug: str) -> None:
    response = client.get("/v1/claims/check", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["instance"] == "/v1/claims/check"


@pytest.mark.parametrize("value", ["1e-28", "-1E-40", "0E-30", "3.1900000000000000000000001"])
def test_a_claim_with_more_decimals_than_any_figure_is_a_422(
    client: TestClient, value: str
) -> None:
    response = client.get("/v1/claims/check", params={"ally": "USA", "year": 2024, "value": value})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["parameter"] == "value"
    assert "at most 12 decimals" in response.json()["detail"]


@pytest.mark.parametrize("value", ["1e-12", "3.190000000000", "1E+3", "999999999999.999999999999"])
def test_a_claim_with_up_to_12_decimals_is_checked(client: TestClient, value: str) -> None:
    response = client.get("/v1/claims/check", params={"ally": "USA", "year": 2024, "value": value})
    assert response.status_code == 200
    assert response.json()["items"]
