"""SVG charts: the rendering functions, and the endpoints through HTTP against the seeded data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from app.charts import svg as charts
from app.charts.text import FR
from tests.conftest import data_rows

SVG = "{http://www.w3.org/2000/svg}"


def parse(body: str | bytes) -> ET.Element:
    return ET.fromstring(body)


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def share_gdp(edition: str, year: int) -> dict[str, str]:
    return {
        r["ally_iso3"]: r["value"]
        for r in data_rows("observations.csv")
        if r["indicator"] == "share_gdp" and r["edition"] == edition and r["year"] == str(year)
    }


def assert_problem(response, status: int, type_: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"] == type_
    assert set(body) >= {"type", "title", "status", "detail", "instance"}
    return body


# --- rendering -------------------------------------------------------------------------------


def test_esc_escapes_markup_and_quotes() -> None:
    assert charts.esc('A & <B> "c"') == "A &amp; &lt;B&gt; &quot;c&quot;"


@pytest.mark.parametrize(
    ("text", "threshold", "shown"),
    [
        ("1.346516857031259", None, "1.35"),
        ("2.00", None, "2.00"),
        ("2.0", Decimal(2), "2.0"),
        ("18788.0", None, "18,788"),
        ("3.71", None, "3.71"),
        # Shortened it would read 2.00 while below 2: the exact text stays.
        ("1.9996", Decimal(2), "1.9996"),
        ("1.9996", None, "2.00"),
        ("2.0154548520439497", Decimal(2), "2.02"),
    ],
)
def test_display_value(text: str, threshold: Decimal | None, shown: str) -> None:
    assert charts.display_value(text, threshold) == shown


def test_nice_ticks_cover_the_range() -> None:
    assert charts.nice_ticks(0, 5.33) == [0, 2, 4, 6]
    assert charts.nice_ticks(-3.2, 12) == [-5, 0, 5, 10, 15]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_ranked_bars_escape_rank_and_draw_no_data_without_a_bar() -> None:
    rows = [
        charts.BarRow("AAA", "A & <Co>", "1.5", "2024-06"),
        charts.BarRow("BBB", "Bee", "2.00", "2024-06", is_estimate=True),
        charts.BarRow("ISL", "Iceland", None),
    ]
    svg = charts.ranked_bars(
        rows,
        title="T <1>",
        subtitle="S",
        axis_label="Share (% of GDP)",
        threshold=Decimal("2.0"),
        threshold_label="2% of GDP",
        footer=["Source: x", "Edition: 2024-06"],
    )
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "T <1>"  # type: ignore[union-attr]
    assert [g.get("data-ally") for g in bars(root)] == ["BBB", "AAA", "ISL"]
    fills = [g.find(f"{SVG}rect").get("fill") for g in bars(root)[:2]]  # type: ignore[union-attr]
    assert fills == [charts.MEETS, charts.BELOW]
    iceland = bars(root)[2]
    assert iceland.find(f"{SVG}rect") is None
    assert "no data" in "".join(iceland.itertext())
    assert "data-value" not in iceland.attrib
    assert "2.00 e" in texts(root)
    assert "A & <Co>" in texts(root)
    assert {"Source: x", "Edition: 2024-06", "Share (% of GDP)"} <= set(texts(root))


def test_line_chart_breaks_lines_at_gaps_and_marks_estimates() -> None:
    series = [
        charts.Series(
            "2024-06",
            [
                charts.Point(2014, "1.0"),
                charts.Point(2015, "1.5"),
                charts.Point(2017, "2.5", True),
            ],
        ),
        charts.Series("2025-04", [charts.Point(2024, "3.19", True)]),
    ]
    root = parse(
        charts.line_chart(
            series,
            title="USA",
            subtitle="s",
            x_label="Year",
            y_label="% of GDP",
            footer=["Source: y"],
        )
    )
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert [g.get("data-series") for g in groups] == ["2024-06", "2025-04"]
    # 2014-2015 is a line; 2017 stands alone after the 2016 gap; 2025-04 is one point.
    assert len(list(groups[0].iter(f"{SVG}polyline"))) == 1
    assert len(list(groups[1].iter(f"{SVG}polyline"))) == 0
    circles = [(c.get("data-year"), c.get("fill")) for c in root.iter(f"{SVG}circle")]
    assert circles[2] == ("2017", "#ffffff")
    assert circles[3] == ("2024", "#ffffff")
    assert circles[0][1] != "#ffffff"


def test_line_chart_without_points_says_no_data() -> None:
    root = parse(
        charts.line_chart([], title="Iceland", subtitle="s", x_label="Year", y_label="u", footer=[])
    )
    assert "no data" in texts(root)
    assert not list(root.iter(f"{SVG}circle"))


# --- GET /v1/charts/compliance.svg -----------------------------------------------------------


def test_compliance_chart_2024_annual_report(client: TestClient) -> None:
    response = client.get("/v1/charts/compliance.svg?year=2024&edition=2025-04")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = parse(response.content)
    published = share_gdp("2025-04", 2024)
    drawn = {g.get("data-ally"): g.get("data-value") for g in bars(root)}
    allies = {r["iso3"] for r in data_rows("allies.csv")}
    assert set(drawn) == allies
    assert {k: v for k, v in drawn.items() if v is not None} == published
    assert drawn["ISL"] is None
    meeting = sum(1 for v in published.values() if Decimal(v) >= 2)
    assert meeting == 22  # the Annual Report 2024's count
    meets = [g for g in bars(root) if g.find(f"{SVG}rect") is not None]
    assert sum(1 for g in meets if g.find(f"{SVG}rect").get("fill") == charts.MEETS) == 22  # type: ignore[union-attr]
    # Ranked: values never increase down the chart; Iceland last, as "no data".
    values = [Decimal(g.get("data-value")) for g in meets]  # type: ignore[arg-type]
    assert values == sorted(values, reverse=True)
    assert bars(root)[-1].get("data-ally") == "ISL"
    words = texts(root)
    assert "Defence expenditure as share of GDP, 2024" in words
    assert "Defence expenditure (% of GDP)" in words
    assert "2% of GDP" in words
    assert f"At or above 2% of GDP ({meeting})" in words
    assert "Edition: 2025-04 (edition 2025-04 only)" in words
    assert any(w.startswith("Source: ") and "knews-2025-04-25" in w for w in words)
    assert "3.19 e" in words  # the United States, as in the report (an estimate)
    assert root.find(f"{SVG}title").text == "Defence expenditure as share of GDP, 2024"  # type: ignore[union-attr]


def test_compliance_chart_threshold_changes_who_meets(client: TestClient) -> None:
    root = parse(
        client.get("/v1/charts/compliance.svg?year=2024&edition=2024-06&threshold=3").content
    )
    published = share_gdp("2024-06", 2024)
    expected = {k for k, v in published.items() if Decimal(v) >= 3}
    meets = {
        g.get("data-ally")
        for g in bars(root)
        if g.find(f"{SVG}rect") is not None and g.find(f"{SVG}rect").get("fill") == charts.MEETS  # type: ignore[union-attr]
    }
    assert meets == expected
    assert "3% of GDP" in texts(root)


def test_compliance_chart_defaults_to_the_newest_year_of_the_latest_editions(
    client: TestClient,
) -> None:
    root = parse(client.get("/v1/charts/compliance.svg").content)
    words = texts(root)
    assert "Defence expenditure as share of GDP, 2026" in words
    published = share_gdp("2026-07", 2026)
    drawn = {g.get("data-ally"): g.get("data-value") for g in bars(root)}
    assert {k: v for k, v in drawn.items() if v is not None} == published
    meeting = sum(1 for v in published.values() if Decimal(v) >= 2)
    assert meeting == 30
    assert f"At or above 2% of GDP ({meeting})" in words
    assert any("core defence expenditure" in w for w in words)


def test_compliance_chart_as_of_mixes_editions_visibly(client: TestClient) -> None:
    # On 1 May 2025 the newest 2014 figure is the Annual Report 2024's for the United States
    # (3.68, from AP) and the June 2024 tables' for everyone else: each bar says its edition.
    root = parse(client.get("/v1/charts/compliance.svg?year=2014&as_of=2025-05-01").content)
    drawn = {g.get("data-ally"): (g.get("data-value"), g.get("data-edition")) for g in bars(root)}
    june = share_gdp("2024-06", 2014)
    expected = {ally: (value, "2024-06") for ally, value in june.items()}
    expected["USA"] = (share_gdp("2025-04", 2014)["USA"], "2025-04")
    assert expected["USA"] == ("3.68", "2025-04")
    assert {k: v for k, v in drawn.items() if v[0] is not None} == expected
    assert (
        "Edition: 2024-06, 2025-04 (for each figure, the newest edition published on or "
        "before 2025-05-01)" in " ".join(texts(root))
    )


@pytest.mark.parametrize(
    ("query", "status", "type_"),
    [
        ("?edition=1999-01", 422, "/problems/unprocessable"),
        ("?edition=2024-06&as_of=2025-01-01", 400, "/problems/bad-request"),
        ("?year=abc", 422, "/problems/invalid-parameters"),
        ("?year=1900", 422, "/problems/invalid-parameters"),
        ("?threshold=nan", 422, "/problems/invalid-parameters"),
        ("?threshold=-1", 422, "/problems/invalid-parameters"),
        ("?format=json", 422, "/problems/invalid-parameters"),
        ("?colour=red", 400, "/problems/unknown-parameter"),
        # A press statement with no per-ally figures: nothing to rank by default.
        ("?edition=2024-02", 422, "/problems/unprocessable"),
    ],
)
def test_compliance_chart_errors(client: TestClient, query: str, status: int, type_: str) -> None:
    assert_problem(client.get(f"/v1/charts/compliance.svg{query}"), status, type_)


def test_chart_refuses_a_json_only_accept(client: TestClient) -> None:
    response = client.get("/v1/charts/compliance.svg", headers={"Accept": "application/json"})
    assert_problem(response, 406, "/problems/not-acceptable")
    ok = client.get("/v1/charts/compliance.svg", headers={"Accept": "image/webp,image/*;q=0.8"})
    assert ok.status_code == 200


# --- GET /v1/charts/allies/{ally}.svg --------------------------------------------------------


def test_ally_chart_overlays_every_edition(client: TestClient) -> None:
    response = client.get("/v1/charts/allies/pl.svg?threshold=2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = parse(response.content)
    rows = [
        r
        for r in data_rows("observations.csv")
        if r["indicator"] == "share_gdp" and r["ally_iso3"] == "POL"
    ]
    editions = sorted({r["edition"] for r in rows})
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert [g.get("data-series") for g in groups] == editions
    for group in groups:
        drawn = {(c.get("data-year"), c.get("data-value")) for c in group.iter(f"{SVG}circle")}
        assert drawn == {
            (r["year"], r["value"]) for r in rows if r["edition"] == group.get("data-series")
        }
    words = texts(root)
    assert "Poland: Defence expenditure as share of GDP" in words
    assert "Defence expenditure as share of GDP (% of GDP)" in words
    assert "Year" in words
    assert "2% of GDP" in words
    assert f"Edition: {', '.join(editions)} (every edition with figures)" in words
    # The one core-definition edition is named, from editions.csv, beside the others.
    assert (
        "Edition 2026-07 measures core defence expenditure (2025 Hague definition), not "
        "comparable with earlier editions." in words
    )


def test_a_chart_of_old_definition_editions_has_no_definition_note(client: TestClient) -> None:
    response = client.get("/v1/charts/allies/USA.svg?edition=2019-06&edition=2024-06")
    words = texts(parse(response.content))
    assert "Edition: 2019-06, 2024-06 (selected editions)" in words
    assert not [w for w in words if "core defence expenditure" in w]


def test_ally_chart_selected_editions_and_indicator(client: TestClient) -> None:
    response = client.get(
        "/v1/charts/allies/USA.svg?indicator=usd_current&edition=2024-06&edition=2026-07"
    )
    root = parse(response.content)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert [g.get("data-series") for g in groups] == ["2024-06", "2026-07"]
    us_2024 = [
        r["value"]
        for r in data_rows("observations.csv")
        if (r["indicator"], r["ally_iso3"], r["year"], r["edition"])
        == ("usd_current", "USA", "2024", "2024-06")
    ]
    assert [c.get("data-value") for c in groups[0].iter(f"{SVG}circle")][-1] == us_2024[0]
    words = texts(root)
    assert "United States: Defence expenditure, current US dollars" in words
    assert any("million US dollars" in w for w in words)


def test_ally_chart_iceland_is_no_data(client: TestClient) -> None:
    root = parse(client.get("/v1/charts/allies/ISL.svg").content)
    assert not list(root.iter(f"{SVG}circle"))
    assert "no data" in texts(root)
    assert "Edition: none (every edition with figures)" in texts(root)


@pytest.mark.parametrize(
    ("path", "status", "type_"),
    [
        ("/v1/charts/allies/XXX.svg", 404, "/problems/not-found"),
        ("/v1/charts/allies/POL.svg?indicator=gdp", 422, "/problems/unprocessable"),
        ("/v1/charts/allies/POL.svg?edition=2030-01", 422, "/problems/unprocessable"),
        ("/v1/charts/allies/POL.svg?threshold=x", 422, "/problems/invalid-parameters"),
        ("/v1/charts/allies/POL.svg?year=2024", 400, "/problems/unknown-parameter"),
    ],
)
def test_ally_chart_errors(client: TestClient, path: str, status: int, type_: str) -> None:
    assert_problem(client.get(path), status, type_)


def test_charts_are_documented_as_svg(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, name in [
        ("/v1/charts/compliance.svg", "get_compliance_chart"),
        ("/v1/charts/allies/{ally}.svg", "get_ally_chart"),
    ]:
        operation = paths[path]["get"]
        assert operation["operationId"] == name
        assert "image/svg+xml" in operation["responses"]["200"]["content"]
        assert operation["description"]


# --- lang=fr -----------------------------------------------------------------------------------


def test_compliance_chart_in_french(client: TestClient) -> None:
    response = client.get("/v1/charts/compliance.svg?year=2024&edition=2025-04&lang=fr")
    assert response.status_code == 200
    assert response.headers["content-language"] == "fr"
    root = parse(response.content)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    published = share_gdp("2025-04", 2024)
    meeting = sum(1 for v in published.values() if Decimal(v) >= 2)
    words = texts(root)
    assert root.find(f"{SVG}title").text == "Dépenses de défense en pourcentage du PIB, 2024"  # type: ignore[union-attr]
    assert "Dépenses de défense (% du PIB)" in words
    assert "2\u00a0% du PIB" in words
    assert f"Au niveau de 2\u00a0% du PIB ou plus ({meeting})" in words
    assert "Édition : 2025-04 (édition 2025-04 seulement)" in words
    assert "3,19 e" in words  # decimal comma on labels...
    drawn = {g.get("data-ally"): g.get("data-value") for g in bars(root)}
    assert drawn["USA"] == "3.19"  # ...while the data attributes keep the published text
    names = {g.get("data-ally"): "".join(g.find(f"{SVG}text").itertext()) for g in bars(root)}  # type: ignore[union-attr]
    assert names == {a["iso3"]: a["name_fr"] for a in client.get("/v1/allies").json()["items"]}
    assert (names["SVK"], names["TUR"], names["USA"]) == (
        "République slovaque",
        "Türkiye",
        "États-Unis",
    )
    [iceland] = [g for g in bars(root) if g.get("data-ally") == "ISL"]
    assert "pas de données" in "".join(iceland.itertext())


def test_ally_chart_in_french(client: TestClient) -> None:
    root = parse(client.get("/v1/charts/allies/pl.svg?threshold=2.5&lang=fr").content)
    words = texts(root)
    editions = sorted(
        {
            r["edition"]
            for r in data_rows("observations.csv")
            if r["indicator"] == "share_gdp" and r["ally_iso3"] == "POL"
        }
    )
    assert "Pologne : Dépenses de défense en pourcentage du PIB" in words
    assert "Dépenses de défense en pourcentage du PIB (% du PIB)" in words
    assert "Année" in words
    assert "2,5\u00a0% du PIB" in words
    assert f"Édition : {', '.join(editions)} (toutes les éditions qui ont des chiffres)" in words
    assert any(w.startswith("L'édition 2026-07 mesure les dépenses") for w in words)


def test_charts_default_to_english_and_refuse_other_languages(client: TestClient) -> None:
    response = client.get("/v1/charts/allies/POL.svg")
    assert response.headers["content-language"] == "en"
    assert parse(response.content).get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    for path in ("/v1/charts/compliance.svg?lang=de", "/v1/charts/allies/POL.svg?lang=FR"):
        body = assert_problem(client.get(path), 422, "/problems/invalid-parameters")
        assert body["errors"][0]["parameter"] == "lang"


def test_every_indicator_an_ally_chart_can_draw_has_a_french_name() -> None:
    per_ally = {r["indicator"] for r in data_rows("observations.csv")}
    assert set(FR.indicators) == per_ally


# --- pathways --------------------------------------------------------------------------------


def test_pathways_chart_draws_every_ally_with_the_api_status(client: TestClient) -> None:
    body = client.get("/v1/pathways").json()
    response = client.get("/v1/charts/pathways.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = parse(response.content)
    rows = {g.get("data-ally"): g for g in root.iter(f"{SVG}g") if g.get("class") == "pathway"}
    assert set(rows) == {i["ally"] for i in body["items"]}
    for item in body["items"]:
        row = rows[item["ally"]]
        assert row.get("data-status") == item["status"]
        assert row.get("data-required") == item["required_pp_per_year_text"]
        assert row.get("data-pace") == item["pace_pp_per_year_text"]
    assert "no data" in "".join(rows["ISL"].itertext())
    words = " ".join(texts(root))
    assert "The road to 3.5% of GDP by 2035" in words
    assert "1.5%" in words  # the related spending has no per-ally figures: said in the image
    assert "2026-07" in words


def test_pathways_chart_follows_target_deadline_and_edition(client: TestClient) -> None:
    query = "target=2&by=2030&edition=2024-06"
    body = client.get(f"/v1/pathways?{query}").json()
    root = parse(client.get(f"/v1/charts/pathways.svg?{query}").content)
    statuses = {
        g.get("data-ally"): g.get("data-status")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "pathway"
    }
    assert statuses == {i["ally"]: i["status"] for i in body["items"]}
    assert "The road to 2% of GDP by 2030" in " ".join(texts(root))


def test_ally_pathway_chart_draws_series_paths_target_and_deadline(client: TestClient) -> None:
    body = client.get("/v1/pathways/USA").json()
    root = parse(client.get("/v1/charts/pathways/us.svg").content)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    published = [c.get("data-value") for c in groups[0].iter(f"{SVG}circle")]
    assert published == [p["published_text"] for p in body["items"] if p["published_text"]]
    required = [c.get("data-value") for c in groups[1].iter(f"{SVG}circle")]
    assert required == [p["required_text"] for p in body["items"] if p["required_text"]]
    assert groups[1].get("data-computed") == "true"
    projected = [c.get("data-value") for c in groups[2].iter(f"{SVG}circle")]
    assert projected == [p["projected_text"] for p in body["items"] if p["projected_text"]]
    lines = {line.get("class") for line in root.iter(f"{SVG}line")}
    assert {"threshold", "deadline"} <= lines
    words = " ".join(texts(root))
    assert "target 3.5% of GDP" in words
    assert "deadline 2035" in words
    assert f"Status: {body['pathway']['status'].replace('_', ' ')}" in words


def test_ally_pathway_chart_of_a_met_target_draws_no_required_path(client: TestClient) -> None:
    body = client.get("/v1/pathways/POL").json()
    assert body["pathway"]["status"] == "met"
    root = parse(client.get("/v1/charts/pathways/POL.svg").content)
    names = [g.get("data-series") for g in root.iter(f"{SVG}g") if g.get("class") == "series"]
    assert len(names) == 2  # published, projection
    assert not any("Required path" in (n or "") for n in names)


def test_pathway_charts_in_french(client: TestClient) -> None:
    response = client.get("/v1/charts/pathways/FR.svg?lang=fr")
    assert response.headers["content-language"] == "fr"
    words = " ".join(texts(parse(response.content)))
    assert "la trajectoire vers 3,5\u00a0% du PIB d'ici 2035" in words
    assert "échéance 2035" in words
    overview = " ".join(texts(parse(client.get("/v1/charts/pathways.svg?lang=fr").content)))
    assert "Hausse requise par an" in overview
    assert "Pologne" in overview


def test_pathway_chart_of_iceland_says_why_there_is_no_figure(client: TestClient) -> None:
    root = parse(client.get("/v1/charts/pathways/ISL.svg").content)
    assert "no armed forces" in " ".join(texts(root))


@pytest.mark.parametrize(
    ("path", "status", "type_"),
    [
        ("/v1/charts/pathways/XXX.svg", 404, "/problems/not-found"),
        ("/v1/charts/pathways.svg?by=2026", 422, "/problems/unprocessable"),
        ("/v1/charts/pathways/POL.svg?target=0", 422, "/problems/invalid-parameters"),
    ],
)
def test_pathway_chart_errors(client: TestClient, path: str, status: int, type_: str) -> None:
    assert_problem(client.get(path), status, type_)
