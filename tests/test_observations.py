"""/v1/observations: exact figures, edition rules, filters, sort, pagination, CSV and errors."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db import make_engine
from app.main import create_asgi
from app.migrate import upgrade
from tests.conftest import data_rows

OBS = data_rows("observations.csv")
PUBLISHED = {row["id"]: row["published_on"] for row in data_rows("editions.csv")}
DEFINITION = {row["id"]: row["expenditure_definition"] for row in data_rows("editions.csv")}
NAMES = {row["iso3"]: row["name"] for row in data_rows("allies.csv")}
KEY = ("indicator", "ally", "year", "edition", "source")

POL_2024_06_UNIT = '% of GDP (NATO "share of real GDP", based on 2015 prices)'


def walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every item of a paginated collection, following `next` until it is null."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        next_url = body["next"]
    return items


def identity(item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item[k] for k in KEY)


def file_identity(row: dict[str, str]) -> tuple[Any, ...]:
    return (row["indicator"], row["ally_iso3"], int(row["year"]), row["edition"], row["source_id"])


def assert_same_figure(item: dict[str, Any], row: dict[str, str]) -> None:
    assert item["value_text"] == row["value"]
    assert item["value"] == float(row["value"])
    assert item["is_estimate"] == (row["is_estimate"] == "true")
    assert item["unit"] == row["unit"]
    assert item["notes"] == (row["notes"] or None)
    assert item["ally_name"] == NAMES[row["ally_iso3"]]
    assert item["edition_published_on"] == PUBLISHED[row["edition"]]
    assert item["expenditure_definition"] == DEFINITION[row["edition"]]


def test_poland_2024_share_in_june_2024_exact_json(client: TestClient) -> None:
    response = client.get("/v1/observations?ally=POL&indicator=share_gdp&year=2024&edition=2024-06")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "items": [
            {
                "indicator": "share_gdp",
                "ally": "POL",
                "year": 2024,
                "value": 4.120190989357147,
                "value_text": "4.120190989357147",
                "unit": POL_2024_06_UNIT,
                "edition": "2024-06",
                "is_estimate": True,
                "source": "nato-def-exp-2024-xlsx",
                "notes": None,
                "ally_name": "Poland",
                "edition_published_on": "2024-06-17",
                "expenditure_definition": "nato_defence_expenditure",
            }
        ],
        "total": 1,
        "limit": 100,
        "offset": 0,
        "next": None,
        "prev": None,
        "edition_rule": {
            "mode": "edition",
            "edition": "2024-06",
            "as_of": None,
            "description": "edition 2024-06 only",
        },
    }
    assert "link" not in response.headers


def test_poland_share_2023_2024_exact_csv_bytes(client: TestClient) -> None:
    response = client.get(
        "/v1/observations?ally=POL&indicator=share_gdp&from=2023&to=2024&edition=2024-06&format=csv"
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="observations.csv"'
    assert response.content == (
        b"indicator,ally,year,value,value_text,unit,edition,is_estimate,source,notes,ally_name,"
        b"edition_published_on,expenditure_definition\r\n"
        b'share_gdp,POL,2023,3.260153162516579,3.260153162516579,"% of GDP (NATO ""share of real '
        b'GDP"", based on 2015 prices)",2024-06,true,nato-def-exp-2024-xlsx,,Poland,2024-06-17,'
        b"nato_defence_expenditure\r\n"
        b'share_gdp,POL,2024,4.120190989357147,4.120190989357147,"% of GDP (NATO ""share of real '
        b'GDP"", based on 2015 prices)",2024-06,true,nato-def-exp-2024-xlsx,,Poland,2024-06-17,'
        b"nato_defence_expenditure\r\n"
    )


def test_csv_by_accept_header_equals_format_csv(client: TestClient) -> None:
    url = "/v1/observations?ally=USA&indicator=share_gdp&edition=2025-04"
    by_accept = client.get(url, headers={"Accept": "text/csv"})
    by_param = client.get(url + "&format=csv")
    assert by_accept.status_code == 200
    assert by_accept.content == by_param.content
    assert by_accept.content == (
        b"indicator,ally,year,value,value_text,unit,edition,is_estimate,source,notes,ally_name,"
        b"edition_published_on,expenditure_definition\r\n"
        b"share_gdp,USA,2014,3.68,3.68,% of GDP,2025-04,false,ap-euronews-2025-04-24,"
        b'"AP report on Annual Report 2024: ""down from 3.68% a decade ago""; also '
        b"euronews24.com; the report itself was not read; 2024-06 and 2025-08 tables give 3.71 "
        b'for 2014 (see conflicts)",United States,2025-04-24,nato_defence_expenditure\r\n'
        b"share_gdp,USA,2024,3.19,3.19,% of GDP,2025-04,true,knews-2025-04-25,"
        b'"value confirmed by infodefensa.com (24 Apr 2025); also AP/Euronews seed article '
        b'""3.19% of GDP in 2024""",United States,2025-04-24,nato_defence_expenditure\r\n'
    )


def test_csv_parses_back_to_the_json_items(client: TestClient) -> None:
    url = "/v1/observations?ally=POL,USA&indicator=share_gdp&from=2022&to=2025"
    items = client.get(url).json()["items"]
    text = client.get(url + "&format=csv").content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["value_text"] for r in rows] == [i["value_text"] for i in items]
    assert [float(r["value"]) for r in rows] == [i["value"] for i in items]
    assert list(rows[0]) == list(items[0])


@pytest.mark.parametrize(
    ("query", "edition", "value_text"),
    [
        ("", "2026-07", "3.3"),
        ("&as_of=2025-05-01", "2025-04", "3.19"),
        ("&as_of=2025-04-24", "2025-04", "3.19"),
        ("&as_of=2025-04-23", "2024-06", "3.3790207262385565"),
        ("&as_of=2025-09-01", "2025-08", "3.205383573"),
        ("&edition=2024-06", "2024-06", "3.3790207262385565"),
        ("&edition=2025-08", "2025-08", "3.205383573"),
    ],
)
def test_us_2024_share_under_each_edition_rule(
    client: TestClient, query: str, edition: str, value_text: str
) -> None:
    body = client.get(f"/v1/observations?ally=US&indicator=share_gdp&year=2024{query}").json()
    assert [(i["edition"], i["value_text"], i["value"]) for i in body["items"]] == [
        (edition, value_text, float(value_text))
    ]


def test_as_of_before_any_edition_is_empty_not_an_error(client: TestClient) -> None:
    # The oldest edition, 2019-06, was published on 25 June 2019.
    body = client.get("/v1/observations?as_of=2019-06-24").json()
    assert body["items"] == []
    assert body["total"] == 0
    assert body["edition_rule"]["mode"] == "as_of"


def test_as_of_mixes_editions_visibly(client: TestClient) -> None:
    body = client.get("/v1/observations?ally=USA&indicator=share_gdp&as_of=2025-05-01").json()
    assert body["edition_rule"] == {
        "mode": "as_of",
        "edition": None,
        "as_of": "2025-05-01",
        "description": "for each figure, the newest edition published on or before 2025-05-01",
    }
    assert [(i["year"], i["edition"], i["value_text"]) for i in body["items"]] == [
        (2012, "2019-06", "4.366226824935019"),
        (2013, "2019-06", "4.028231499281539"),
        (2014, "2025-04", "3.68"),
        (2015, "2024-06", "3.5050687840225803"),
        (2016, "2024-06", "3.49608027384535"),
        (2017, "2024-06", "3.2820879654442607"),
        (2018, "2024-06", "3.257130012205473"),
        (2019, "2024-06", "3.4715857523401015"),
        (2020, "2024-06", "3.5773430775485204"),
        (2021, "2024-06", "3.5268367534098526"),
        (2022, "2024-06", "3.3120710807410436"),
        (2023, "2024-06", "3.232423677565305"),
        (2024, "2025-04", "3.19"),
    ]


def _expected_by_rule(as_of: str | None) -> dict[tuple[Any, ...], dict[str, str]]:
    """The test's own edition rule: per (indicator, ally, year), the newest edition's rows."""
    best: dict[tuple[str, str, str], str] = {}
    for row in OBS:
        published = PUBLISHED[row["edition"]]
        if as_of is not None and published > as_of:
            continue
        key = (row["indicator"], row["ally_iso3"], row["year"])
        if key not in best or published > PUBLISHED[best[key]]:
            best[key] = row["edition"]
    return {
        file_identity(row): row
        for row in OBS
        if best.get((row["indicator"], row["ally_iso3"], row["year"])) == row["edition"]
    }


@pytest.mark.parametrize("as_of", [None, "2019-06-25", "2023-07-07", "2025-05-01", "2025-08-28"])
def test_latest_and_as_of_resolve_every_figure(client: TestClient, as_of: str | None) -> None:
    url = "/v1/observations?limit=1000" + (f"&as_of={as_of}" if as_of else "")
    items = walk(client, url)
    expected = _expected_by_rule(as_of)
    assert sorted(identity(i) for i in items) == sorted(expected)
    for item in items:
        assert_same_figure(item, expected[identity(item)])


def test_every_figure_of_the_file_is_served_under_its_edition(client: TestClient) -> None:
    by_edition: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in OBS:
        by_edition[row["edition"]].append(row)
    served = 0
    for edition, rows in sorted(by_edition.items()):
        first = client.get(f"/v1/observations?edition={edition}&limit=1000").json()
        assert first["total"] == len(rows)
        items = walk(client, f"/v1/observations?edition={edition}&limit=1000")
        assert len(items) == len(rows)
        expected = {file_identity(row): row for row in rows}
        assert {identity(i) for i in items} == set(expected)
        for item in items:
            assert_same_figure(item, expected[identity(item)])
        served += len(items)
    assert served == len(OBS)


def test_small_pages_return_every_figure_exactly_once(client: TestClient) -> None:
    rows = [r for r in OBS if r["edition"] == "2024-03"]
    url = "/v1/observations?edition=2024-03&limit=7&sort=year"  # one year: ties everywhere
    items = walk(client, url)
    assert len(items) == len(rows) == 30
    assert len({identity(i) for i in items}) == 30
    assert {identity(i) for i in items} == {file_identity(r) for r in rows}


def test_pages_link_next_and_prev(client: TestClient) -> None:
    response = client.get("/v1/observations?edition=2024-03&limit=10&offset=10")
    body = response.json()
    assert body["total"] == 30
    assert (body["limit"], body["offset"]) == (10, 10)
    assert body["next"] == "/v1/observations?edition=2024-03&limit=10&offset=20"
    assert body["prev"] == "/v1/observations?edition=2024-03&limit=10&offset=0"
    assert response.headers["link"] == (
        '</v1/observations?edition=2024-03&limit=10&offset=20>; rel="next", '
        '</v1/observations?edition=2024-03&limit=10&offset=0>; rel="prev"'
    )
    last = client.get(body["next"]).json()
    assert last["next"] is None
    assert len(last["items"]) == 10
    csv_page = client.get("/v1/observations?edition=2024-03&limit=10&offset=10&format=csv")
    assert csv_page.headers["link"] == (  # the next page keeps every parameter, format too
        '</v1/observations?edition=2024-03&limit=10&format=csv&offset=20>; rel="next", '
        '</v1/observations?edition=2024-03&limit=10&format=csv&offset=0>; rel="prev"'
    )


def test_default_page_size_is_100(client: TestClient) -> None:
    body = client.get("/v1/observations").json()
    assert body["limit"] == 100
    assert len(body["items"]) == 100
    assert body["total"] == len(_expected_by_rule(None))


def test_sort_by_value_descending(client: TestClient) -> None:
    body = client.get(
        "/v1/observations?indicator=share_gdp&year=2024&edition=2024-06&sort=-value&limit=3"
    ).json()
    rows = sorted(
        (r for r in OBS if r["indicator"] == "share_gdp" and r["year"] == "2024"),
        key=lambda r: -float(r["value"]),
    )
    rows = [r for r in rows if r["edition"] == "2024-06"][:3]
    assert [(i["ally"], i["value_text"]) for i in body["items"]] == [
        (r["ally_iso3"], r["value"]) for r in rows
    ]
    assert body["items"][0]["ally"] == "POL"


def test_default_sort_is_ally_indicator_year_edition(client: TestClient) -> None:
    items = client.get("/v1/observations?ally=USA,POL&indicator=share_gdp&year=2024").json()[
        "items"
    ]
    assert [(i["ally"], i["year"]) for i in items] == [("POL", 2024), ("USA", 2024)]


def test_repeated_and_comma_separated_filters_agree(client: TestClient) -> None:
    base = "/v1/observations?indicator=share_gdp&year=2023&edition=2024-03"
    repeated = client.get(base + "&ally=POL&ally=usa").json()
    commas = client.get(base + "&ally=PL,US").json()
    assert repeated["items"] == commas["items"]
    assert [(i["ally"], i["value_text"]) for i in repeated["items"]] == [
        ("POL", "3.92"),
        ("USA", "3.24"),
    ]
    two = client.get("/v1/observations?ally=POL&indicator=share_gdp,usd_current&year=2024").json()
    assert sorted(i["indicator"] for i in two["items"]) == ["share_gdp", "usd_current"]


def test_is_estimate_filters_the_figures_the_rule_chose(client: TestClient) -> None:
    base = "/v1/observations?ally=USA&indicator=share_gdp"
    estimates = client.get(base + "&is_estimate=true").json()
    assert [(i["year"], i["edition"]) for i in estimates["items"]] == [
        (2025, "2026-07"),
        (2026, "2026-07"),
    ]
    # The latest 2024 figure (2026-07) is final: no reaching back to an older estimate.
    assert client.get(base + "&year=2024&is_estimate=true").json()["total"] == 0
    finals = client.get(base + "&is_estimate=false").json()
    # 2012-2013 from 2019-06, the only edition with them; 2014-2024 from 2026-07.
    assert [(i["year"], i["edition"]) for i in finals["items"]] == [
        (2012, "2019-06"),
        (2013, "2019-06"),
        *((year, "2026-07") for year in range(2014, 2025)),
    ]


def test_iceland_has_no_expenditure_figures(client: TestClient) -> None:
    body = client.get("/v1/observations?ally=ISL&indicator=share_gdp,usd_current").json()
    assert body == {
        "items": [],
        "total": 0,
        "limit": 100,
        "offset": 0,
        "next": None,
        "prev": None,
        "edition_rule": {
            "mode": "latest",
            "edition": None,
            "as_of": None,
            "description": "for each figure, the newest edition that has it (latest)",
        },
    }
    gdp = client.get("/v1/observations?ally=ISL").json()
    assert gdp["total"] == len(
        {(r["indicator"], r["year"]) for r in OBS if r["ally_iso3"] == "ISL"}
    )
    assert {i["indicator"] for i in gdp["items"]} == {
        "gdp_usd_current",
        "gdp_usd_constant",
        "gdp_per_capita",
    }
    assert all(i["value"] not in (None, 0) for i in gdp["items"])


def test_empty_csv_is_the_header_line(client: TestClient) -> None:
    response = client.get("/v1/observations?ally=ISL&indicator=share_gdp&format=csv")
    assert response.content == (
        b"indicator,ally,year,value,value_text,unit,edition,is_estimate,source,notes,ally_name,"
        b"edition_published_on,expenditure_definition\r\n"
    )


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["instance"] == "/v1/observations"
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    assert "Traceback" not in response.text
    return body


def test_year_with_from_is_400(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?year=2024&from=2020"), 400, "bad-request")
    assert body["detail"] == (
        "Use either `year` (one year) or `from`/`to` (a range of years), not both."
    )
    assert body["errors"] == [
        {"parameter": "from", "in": "query", "message": "conflicts with year"}
    ]


def test_from_after_to_is_422(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?from=2024&to=2020"), 422, "unprocessable")
    assert body["detail"] == "from (2024) is after to (2020): give from <= to."
    assert [e["parameter"] for e in body["errors"]] == ["from", "to"]


def test_limit_above_maximum_is_422_naming_it(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?limit=1001"), 422, "invalid-parameters")
    assert body["errors"] == [
        {
            "parameter": "limit",
            "in": "query",
            "message": "Input should be less than or equal to 1000",
            "input": "1001",
        }
    ]


def test_every_invalid_parameter_is_listed(client: TestClient) -> None:
    body = _problem(
        client.get("/v1/observations?year=abc&as_of=yesterday&limit=0"), 422, "invalid-parameters"
    )
    assert sorted(e["parameter"] for e in body["errors"]) == ["as_of", "limit", "year"]


def test_unknown_sort_key_is_422(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?sort=-valeu"), 422, "unprocessable")
    assert "'-valeu' is not a sort key" in body["detail"]
    assert body["errors"] == [{"parameter": "sort", "in": "query", "message": "unknown sort key"}]


def test_unknown_ally_is_422_with_a_suggestion(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?ally=Polnd"), 422, "unprocessable")
    assert body["detail"].endswith("Did you mean: POL?")
    assert body["errors"] == [{"parameter": "ally", "in": "query", "message": "unknown ally"}]


def test_unknown_indicator_is_422_with_a_suggestion(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?indicator=share_gpd"), 422, "unprocessable")
    assert "Did you mean: share_gdp" in body["detail"]


def test_edition_and_as_of_together_is_400(client: TestClient) -> None:
    _problem(client.get("/v1/observations?edition=2024-06&as_of=2025-01-01"), 400, "bad-request")


def test_unknown_edition_is_422(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?edition=2024-07"), 422, "unprocessable")
    assert "'2024-07' is not an edition" in body["detail"]


def test_unknown_parameter_is_400(client: TestClient) -> None:
    body = _problem(client.get("/v1/observations?countries=POL"), 400, "unknown-parameter")
    assert body["errors"] == [
        {"parameter": "countries", "in": "query", "message": "unknown parameter"}
    ]


def test_unsupported_accept_is_406(client: TestClient) -> None:
    _problem(
        client.get("/v1/observations", headers={"Accept": "application/xml"}), 406, "not-acceptable"
    )


def test_post_is_405(client: TestClient) -> None:
    response = client.post("/v1/observations")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "about:blank"
    assert response.json()["title"] == "Method not allowed"


def test_database_failure_is_503_problem(scratch_url: str) -> None:
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE observations"))
    engine.dispose()
    with TestClient(create_asgi(Settings(database_url=scratch_url))) as broken:
        response = broken.get("/v1/observations")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database is not answering; retry in a few seconds.",
        "instance": "/v1/observations",
    }


def test_unexpected_failure_is_500_problem_without_trace(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("app.reports.observations.select_observations", broken)
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as failing:
        response = failing.get("/v1/observations?ally=POL")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/internal-error",
        "title": "Internal server error",
        "status": 500,
        "detail": "The server failed to answer this request; it has been logged.",
        "instance": "/v1/observations",
    }
    assert "secret" not in response.text
    assert "Traceback" not in response.text
