"""/v1/allies, /v1/allies/{ally} and /v1/allies/{ally}/series, through HTTP."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.names_fr import NATO_FRENCH_NAMES, iso_french_name
from tests.conftest import data_rows

ALLIES = data_rows("allies.csv")
OBS = data_rows("observations.csv")
PUBLISHED = {row["id"]: row["published_on"] for row in data_rows("editions.csv")}

FOUNDING = (
    "founding member: North Atlantic Treaty signed 4 April 1949 (signature date, not national "
    "ratification)"
)
ICELAND_NOTES = (
    "Iceland has no armed forces and is excluded from NATO defence expenditure tables (tables "
    "list 31 allies; Iceland appears only in GDP Tables 5/6 of the 2024-06 workbook); " + FOUNDING
)

POLAND = {
    "iso3": "POL",
    "iso2": "PL",
    "iso_numeric": "616",
    "name": "Poland",
    "name_fr": "Pologne",
    "iso_name": "Poland",
    "accession_year": 1999,
    "accession_date": None,
    "region": "europe",
    "currency": "PLN",
    "nato_currency_label": "Zlotys",
    "in_expenditure_tables": True,
    "national_2pct_commitment_2024_06": True,
    "latest_share_gdp": 4.68,
    "latest_share_gdp_text": "4.68",
    "latest_share_gdp_year": 2026,
    "latest_share_gdp_edition": "2026-07",
    "latest_share_gdp_is_estimate": True,
    "latest_share_gdp_source": "leave-the-gun-nato-defence-2026-extract",
    "latest_share_gdp_expenditure_definition": "core_defence_expenditure",
    "notes": None,
}
ICELAND = {
    "iso3": "ISL",
    "iso2": "IS",
    "iso_numeric": "352",
    "name": "Iceland",
    "name_fr": "Islande",
    "iso_name": "Iceland",
    "accession_year": 1949,
    "accession_date": "1949-04-04",
    "region": "europe",
    "currency": None,
    "nato_currency_label": None,
    "in_expenditure_tables": False,
    "national_2pct_commitment_2024_06": None,
    "latest_share_gdp": None,
    "latest_share_gdp_text": None,
    "latest_share_gdp_year": None,
    "latest_share_gdp_edition": None,
    "latest_share_gdp_is_estimate": None,
    "latest_share_gdp_source": None,
    "latest_share_gdp_expenditure_definition": None,
    "notes": ICELAND_NOTES,
}


def test_list_allies_has_all_32_by_iso3(client: TestClient) -> None:
    response = client.get("/v1/allies")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "total"}
    assert body["total"] == 32 == len(ALLIES)
    assert [a["iso3"] for a in body["items"]] == sorted(r["iso3"] for r in ALLIES)
    by_iso3 = {a["iso3"]: a for a in body["items"]}
    assert by_iso3["POL"] == POLAND
    assert by_iso3["ISL"] == ICELAND
    for row in ALLIES:
        item = by_iso3[row["iso3"]]
        assert (item["iso2"], item["iso_numeric"], item["name"]) == (
            row["iso2"],
            row["iso_numeric"],
            row["name"],
        )
        assert item["currency"] == (row["currency_iso4217"] or None)


def test_latest_share_gdp_follows_the_documented_rule(client: TestClient) -> None:
    """Newest edition with a share of GDP for the ally, then that edition's latest year."""
    expected: dict[str, tuple[str, str, str]] = {}
    for row in OBS:
        if row["indicator"] != "share_gdp":
            continue
        rank = (PUBLISHED[row["edition"]], row["year"])
        current = expected.get(row["ally_iso3"])
        if current is None or rank > (PUBLISHED[current[0]], current[1]):
            expected[row["ally_iso3"]] = (row["edition"], row["year"], row["value"])
    items = client.get("/v1/allies").json()["items"]
    served = {
        a["iso3"]: (
            a["latest_share_gdp_edition"],
            str(a["latest_share_gdp_year"]),
            a["latest_share_gdp_text"],
        )
        for a in items
        if a["latest_share_gdp_text"] is not None
    }
    assert served == expected
    assert len(served) == 31
    for a in items:
        if a["latest_share_gdp_text"] is not None:
            assert a["latest_share_gdp"] == float(a["latest_share_gdp_text"])


def test_allies_csv_exact_lines(client: TestClient) -> None:
    response = client.get("/v1/allies", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="allies.csv"'
    lines = response.content.split(b"\r\n")
    assert len(lines) == 34  # header, 32 allies, and the empty string after the last CRLF
    assert lines[-1] == b""
    assert lines[0] == (
        b"iso3,iso2,iso_numeric,name,name_fr,iso_name,accession_year,accession_date,region,currency,"
        b"nato_currency_label,in_expenditure_tables,national_2pct_commitment_2024_06,"
        b"latest_share_gdp,latest_share_gdp_text,latest_share_gdp_year,latest_share_gdp_edition,"
        b"latest_share_gdp_is_estimate,latest_share_gdp_source,"
        b"latest_share_gdp_expenditure_definition,notes"
    )
    by_iso3 = {line[:3]: line for line in lines[1:-1]}
    assert by_iso3[b"POL"] == (
        b"POL,PL,616,Poland,Pologne,Poland,1999,,europe,PLN,Zlotys,true,true,4.68,4.68,2026,2026-07,true,"
        b"leave-the-gun-nato-defence-2026-extract,core_defence_expenditure,"
    )
    assert by_iso3[b"USA"] == (
        "USA,US,840,United States,États-Unis,United States,1949,1949-04-04,north_america,USD,"
        "US dollars,true,false,".encode()
        + b"3.17,3.17,2026,2026-07,true,leave-the-gun-nato-defence-2026-extract,"
        b'core_defence_expenditure,"' + FOUNDING.encode() + b'"'
    )
    # Iceland: empty cells, never 0.
    assert by_iso3[b"ISL"] == (
        b"ISL,IS,352,Iceland,Islande,Iceland,1949,1949-04-04,europe,,,false,,,,,,,,,"
        b'"' + ICELAND_NOTES.encode() + b'"'
    )


# NATO's French names of the 32 allies, as NATO's French pages and the French editions of its
# defence-expenditure releases write them (the test's own list, not read from the code).
NATO_FRENCH = {
    "ALB": "Albanie",
    "BEL": "Belgique",
    "BGR": "Bulgarie",
    "CAN": "Canada",
    "CZE": "Tchéquie",
    "DEU": "Allemagne",
    "DNK": "Danemark",
    "ESP": "Espagne",
    "EST": "Estonie",
    "FIN": "Finlande",
    "FRA": "France",
    "GBR": "Royaume-Uni",
    "GRC": "Grèce",
    "HRV": "Croatie",
    "HUN": "Hongrie",
    "ISL": "Islande",
    "ITA": "Italie",
    "LTU": "Lituanie",
    "LUX": "Luxembourg",
    "LVA": "Lettonie",
    "MKD": "Macédoine du Nord",
    "MNE": "Monténégro",
    "NLD": "Pays-Bas",
    "NOR": "Norvège",
    "POL": "Pologne",
    "PRT": "Portugal",
    "ROU": "Roumanie",
    "SVK": "République slovaque",
    "SVN": "Slovénie",
    "SWE": "Suède",
    "TUR": "Türkiye",
    "USA": "États-Unis",
}


def test_every_ally_has_natos_french_name_in_json_and_csv(client: TestClient) -> None:
    items = client.get("/v1/allies").json()["items"]
    assert {a["iso3"]: a["name_fr"] for a in items} == NATO_FRENCH
    rows = csv.DictReader(io.StringIO(client.get("/v1/allies?format=csv").text))
    assert {r["iso3"]: r["name_fr"] for r in rows} == NATO_FRENCH
    for iso3, name_fr in NATO_FRENCH.items():
        assert client.get(f"/v1/allies/{iso3}").json()["name_fr"] == name_fr


def test_french_overrides_are_few_and_each_differs_from_iso() -> None:
    """pycountry's French ISO names are the base: an override that ISO already spells the same
    way is dead weight, and every ally without one must be named right by ISO."""
    assert set(NATO_FRENCH_NAMES) <= set(NATO_FRENCH)
    for iso3, name in NATO_FRENCH_NAMES.items():
        assert iso_french_name(iso3) != name, iso3
    for iso3 in NATO_FRENCH.keys() - NATO_FRENCH_NAMES.keys():
        assert iso_french_name(iso3) == NATO_FRENCH[iso3], iso3


@pytest.mark.parametrize("code", ["POL", "pol", "PL", "pl", "Pl"])
def test_get_ally_by_iso3_or_iso2_any_case(client: TestClient, code: str) -> None:
    response = client.get(f"/v1/allies/{code}")
    assert response.status_code == 200
    assert response.json() == POLAND


def test_get_iceland_has_null_share(client: TestClient) -> None:
    assert client.get("/v1/allies/IS").json() == ICELAND


def _problem(response: Any, status: int, slug: str, instance: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["instance"] == instance
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    return body


@pytest.mark.parametrize(
    ("code", "suggestion"), [("POLL", "POL"), ("PLO", "POL"), ("Germny", "DEU")]
)
def test_unknown_ally_is_404_with_close_matches(
    client: TestClient, code: str, suggestion: str
) -> None:
    body = _problem(client.get(f"/v1/allies/{code}"), 404, "not-found", f"/v1/allies/{code}")
    assert body == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": f"No ally {code!r} (use an ISO 3166 alpha-3 or alpha-2 code, e.g. POL or PL). "
        f"Did you mean: {suggestion}?",
        "instance": f"/v1/allies/{code}",
    }


def test_single_ally_is_json_only(client: TestClient) -> None:
    response = client.get("/v1/allies/POL", headers={"Accept": "text/csv"})
    _problem(response, 406, "not-acceptable", "/v1/allies/POL")


@pytest.mark.parametrize("query", ["format=csv", "format=xml"])
def test_single_ally_rejects_other_formats(client: TestClient, query: str) -> None:
    body = _problem(client.get(f"/v1/allies/POL?{query}"), 406, "not-acceptable", "/v1/allies/POL")
    assert body["detail"] == (
        f"Cannot answer with {query}. This resource is available as application/json "
        "(format=json) only."
    )
    assert body["available"] == ["application/json"]
    assert client.get("/v1/allies/POL?format=json").json() == POLAND


def test_allies_unsupported_accept_is_406(client: TestClient) -> None:
    _problem(
        client.get("/v1/allies", headers={"Accept": "text/html"}),
        406,
        "not-acceptable",
        "/v1/allies",
    )


def test_allies_unknown_parameter_is_400(client: TestClient) -> None:
    body = _problem(client.get("/v1/allies?region=europe"), 400, "unknown-parameter", "/v1/allies")
    assert body["errors"] == [
        {"parameter": "region", "in": "query", "message": "unknown parameter"}
    ]


def test_series_equals_observations_for_the_ally(client: TestClient) -> None:
    query = "indicator=share_gdp&edition=2025-08"
    series = client.get(f"/v1/allies/pl/series?{query}").json()
    observations = client.get(f"/v1/observations?ally=POL&{query}").json()
    assert series["items"] == observations["items"]
    assert series["total"] == 12
    assert series["edition_rule"]["mode"] == "edition"
    assert [(i["year"], i["value_text"]) for i in series["items"]][-2:] == [
        (2024, "3.788951289"),
        (2025, "4.48"),
    ]


def test_series_csv_exact_bytes(client: TestClient) -> None:
    response = client.get("/v1/allies/POL/series?indicator=share_gdp&year=2024&format=csv")
    assert response.headers["content-disposition"] == 'attachment; filename="pol-series.csv"'
    assert response.content == (
        b"indicator,ally,year,value,value_text,unit,edition,is_estimate,source,notes,ally_name,"
        b"edition_published_on,expenditure_definition\r\n"
        b'share_gdp,POL,2024,3.75,3.75,"% of GDP (NATO ""share of real GDP"", based on 2021 '
        b'prices; core defence expenditure)",2026-07,false,'
        b"leave-the-gun-nato-defence-2026-extract,"
        b'"Table 3, block ""Share of real GDP (%)"".",Poland,2026-07-10,'
        b"core_defence_expenditure\r\n"
    )


def test_series_paginates(client: TestClient) -> None:
    first = client.get("/v1/allies/POL/series?edition=2024-06&limit=100").json()
    rows = [r for r in OBS if r["ally_iso3"] == "POL" and r["edition"] == "2024-06"]
    assert first["total"] == len(rows)
    assert first["next"] == "/v1/allies/POL/series?edition=2024-06&limit=100&offset=100"
    items = first["items"]
    next_url = first["next"]
    while next_url:
        page = client.get(next_url).json()
        items += page["items"]
        next_url = page["next"]
    assert sorted((i["indicator"], i["year"], i["value_text"]) for i in items) == sorted(
        (r["indicator"], int(r["year"]), r["value"]) for r in rows
    )


def test_iceland_series_has_only_gdp_figures(client: TestClient) -> None:
    body = client.get("/v1/allies/ISL/series?indicator=share_gdp").json()
    assert (body["items"], body["total"]) == ([], 0)
    everything = client.get("/v1/allies/ISL/series").json()
    rows = [r for r in OBS if r["ally_iso3"] == "ISL"]
    # One figure per indicator and year under the latest rule.
    assert everything["total"] == len({(r["indicator"], r["year"]) for r in rows})
    # NATO's GDP tables list Iceland: 2019-06 (real GDP, GDP per capita, 2012-2019) and 2024-06.
    assert {i["edition"] for i in everything["items"]} == {"2019-06", "2024-06"}
    assert {i["indicator"] for i in everything["items"]} == {
        "gdp_usd_current",
        "gdp_usd_constant",
        "gdp_per_capita",
    }


def test_series_unknown_ally_is_404(client: TestClient) -> None:
    body = _problem(client.get("/v1/allies/XX/series"), 404, "not-found", "/v1/allies/XX/series")
    assert body["detail"].startswith("No ally 'XX'")


def test_series_takes_no_ally_parameter(client: TestClient) -> None:
    _problem(
        client.get("/v1/allies/POL/series?ally=USA"),
        400,
        "unknown-parameter",
        "/v1/allies/POL/series",
    )


def test_series_validates_like_observations(client: TestClient) -> None:
    _problem(
        client.get("/v1/allies/POL/series?year=2024&to=2025"),
        400,
        "bad-request",
        "/v1/allies/POL/series",
    )
    _problem(
        client.get("/v1/allies/POL/series?limit=5000"),
        422,
        "invalid-parameters",
        "/v1/allies/POL/series",
    )
