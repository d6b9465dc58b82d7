"""Hostile numbers (issue 23): every number a client sends is bounded in digits and exponent
before any arithmetic or formatting. `1E-999999999` was a 200 of a billion digits (the
threshold written out), `1E-99999999999999` a MemoryError."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.test_hardening import assert_problem

INVALID = "/problems/invalid-parameters"
# Every operation that takes a decimal from the query, with the rest of a valid request.
DECIMAL_PARAMETERS = [
    ("/v1/compliance?year=2024", "threshold"),
    ("/v1/compliance/history?indicator=share_gdp", "threshold"),
    ("/v1/revisions/changes?from_edition=2024-06&to_edition=2025-04", "threshold"),
    ("/v1/claims/check?year=2024&count=3", "threshold"),
    ("/v1/claims/check?year=2024&ally=USA", "value"),
    ("/v1/pathways?by=2035", "target"),
    ("/v1/pathways/USA?by=2035", "target"),
    ("/v1/charts/pathways.svg?by=2035", "target"),
    ("/v1/charts/compliance.svg?year=2024", "threshold"),
    ("/v1/charts/allies/USA.svg?indicator=share_gdp", "threshold"),
]
HOSTILE_NUMBERS = ["1E-999999999", "1E-99999999999999", "1E-13", "0E-30", "1" + "0" * 40]


@pytest.mark.parametrize(("url", "parameter"), DECIMAL_PARAMETERS)
@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_a_number_beyond_the_digit_bounds_is_a_422_naming_the_parameter_and_the_bound(
    client: TestClient, url: str, parameter: str, number: str
) -> None:
    response = client.get(f"{url}&{parameter}={number}")
    body = assert_problem(response, 422, INVALID)
    assert [e["parameter"] for e in body["errors"]] == [parameter]
    assert body["detail"].startswith(f"Fix these parameters: {parameter}: ")
    # Beyond the digits, or out of the range (1E40; 0E-30 is no target above 0): either way,
    # the bound is named.
    bounds = ("at most 12 decimals and 30 digits", "less than or equal", "greater than")
    assert any(bound in body["detail"] for bound in bounds), body["detail"]
    assert len(response.content) < 2000


@pytest.mark.parametrize(("url", "parameter"), DECIMAL_PARAMETERS)
def test_a_number_within_the_bounds_is_answered(
    client: TestClient, url: str, parameter: str
) -> None:
    response = client.get(f"{url}&{parameter}=3.000000000001")
    assert response.status_code == 200, response.text


def test_the_threshold_that_made_a_gigabyte_is_refused_in_a_few_hundred_bytes(
    client: TestClient,
) -> None:
    response = client.get("/v1/compliance?year=2024&threshold=1E-999999999")
    body = assert_problem(response, 422, INVALID)
    assert body["detail"] == (
        "Fix these parameters: threshold: Value error, give at most 12 decimals and 30 digits "
        "in all (the number written out)"
    )
