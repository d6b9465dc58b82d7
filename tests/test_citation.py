"""Licence and citation: /v1/meta says how to cite, /v1/citation writes CSL-JSON, BibTeX, RIS."""

from __future__ import annotations

import tomllib
from typing import Any

import orjson
import pytest
import rispy
from fastapi.testclient import TestClient

from app import __license__
from app.citation import latex
from app.config import PROJECT_ROOT
from tests.conftest import data_rows, official_urls

EDITIONS = {row["id"]: row for row in data_rows("editions.csv")}
SOURCES = {row["id"]: row for row in data_rows("sources.csv")}
CSL = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex; charset=utf-8"
RIS = "application/x-research-info-systems; charset=utf-8"
BASE = "http://testserver"
OFFICIAL = official_urls()


@pytest.fixture(scope="module")
def version(client: TestClient) -> str:
    return str(client.get("/v1/meta").json()["dataset_version"])


def _cite(client: TestClient, query: str, media_type: str, **headers: str) -> Any:
    response = client.get(f"/v1/citation{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    return response


def test_meta_names_the_code_licence_and_how_to_cite(client: TestClient, version: str) -> None:
    body = client.get("/v1/meta").json()
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert body["code_license"] == __license__ == pyproject["project"]["license"] == "MIT"
    cite = body["how_to_cite"]
    assert cite.startswith("The figures are NATO's: this API's licence (MIT) covers its code only")
    assert f"this dataset's version ({version})" in cite
    assert "/v1/citation?edition=ID&format=bibtex|csl-json|ris" in cite


def test_official_urls_found_in_the_files() -> None:
    # The 2024-06 tables' NATO file, the 2024-02 news page and the Annual Report 2024 page;
    # editions read from the press only (2024-03, 2025-08, ...) have none.
    known = {
        "2024-02": SOURCES["nato-news-2024-02-14"]["url"],
        "2024-06": SOURCES["nato-def-exp-2024-xlsx"]["url"],
        "2025-04": SOURCES["nato-ar2024-web"]["url"],
    }
    assert known.items() <= OFFICIAL.items()
    assert not {"2024-03", "2025-08"} & OFFICIAL.keys()


def test_csl_json_of_an_edition(client: TestClient, version: str) -> None:
    response = _cite(client, "?edition=2024-06&format=csl-json", CSL)
    assert response.headers["content-disposition"] == 'inline; filename="nato-2024-06.json"'
    assert orjson.loads(response.content) == [
        {
            "id": "nato-2024-06",
            "type": "report",
            "title": "Defence Expenditure of NATO Countries (2014-2024)",
            "author": [{"literal": "NATO"}],
            "publisher": "NATO",
            "issued": {"date-parts": [[2024, 6, 17]]},
            "URL": OFFICIAL["2024-06"],
            "note": "Figures of this edition as loaded in the NATO defence expenditure API, "
            f"dataset version {version}: {BASE}/v1/observations?edition=2024-06",
        }
    ]


def test_bibtex_of_an_edition_exactly(client: TestClient, version: str) -> None:
    response = _cite(client, "?edition=2024-06&format=bibtex", BIBTEX)
    assert response.headers["content-disposition"] == 'inline; filename="nato-2024-06.bib"'
    assert response.text == (
        "@techreport{nato-2024-06,\n"
        "  author = {{NATO}},\n"
        "  title = {{Defence Expenditure of NATO Countries (2014-2024)}},\n"
        "  institution = {NATO},\n"
        "  year = {2024},\n"
        "  date = {2024-06-17},\n"
        f"  url = {{{OFFICIAL['2024-06']}}},\n"
        "  note = {Figures of this edition as loaded in the NATO defence expenditure API, "
        f"dataset version {version}: {BASE}/v1/observations?edition=2024-06}},\n"
        "  month = jun\n"
        "}\n"
    )


def test_ris_of_an_edition_exactly(client: TestClient, version: str) -> None:
    response = _cite(client, "?edition=2024-06&format=ris", RIS)
    assert response.headers["content-disposition"] == 'inline; filename="nato-2024-06.ris"'
    assert (
        response.content
        == (
            "TY  - RPRT\r\n"
            "ID  - nato-2024-06\r\n"
            "AU  - NATO\r\n"
            "TI  - Defence Expenditure of NATO Countries (2014-2024)\r\n"
            "PB  - NATO\r\n"
            "PY  - 2024\r\n"
            "DA  - 2024/06/17\r\n"
            f"UR  - {OFFICIAL['2024-06']}\r\n"
            "N1  - Figures of this edition as loaded in the NATO defence expenditure API, dataset "
            f"version {version}: {BASE}/v1/observations?edition=2024-06\r\n"
            "ER  - \r\n"
        ).encode()
    )


@pytest.mark.parametrize("edition", sorted(EDITIONS))
def test_every_edition_cites_its_title_publisher_date_and_url(
    client: TestClient, edition: str, version: str
) -> None:
    row = EDITIONS[edition]
    url = OFFICIAL.get(edition, f"{BASE}/v1/editions/{edition}")
    [item] = orjson.loads(_cite(client, f"?edition={edition}", CSL).content)
    year, month, day = (int(part) for part in row["published_on"].split("-"))
    assert (item["title"], item["publisher"], item["URL"]) == (row["title"], row["publisher"], url)
    assert item["issued"] == {"date-parts": [[year, month, day]]}
    assert item["type"] == ("speech" if row["kind"] == "press_statement" else "report")
    assert version in item["note"]
    # RIS, read back by rispy's own parser: the same facts.
    [entry] = rispy.loads(_cite(client, f"?edition={edition}&format=ris", RIS).text)
    assert (entry["title"], entry["publisher"], entry["urls"]) == (
        row["title"],
        row["publisher"],
        [url],
    )
    assert entry["date"] == row["published_on"].replace("-", "/")
    bibtex = _cite(client, f"?edition={edition}&format=bibtex", BIBTEX).text
    assert "  title = {{" + latex(row["title"]) + "}},\n" in bibtex
    assert f"  url = {{{url}}},\n" in bibtex
    assert f"dataset version {version}" in bibtex


def test_without_an_edition_the_dataset_is_cited(client: TestClient, version: str) -> None:
    meta = client.get("/v1/meta").json()
    [item] = orjson.loads(_cite(client, "", CSL).content)
    assert item == {
        "id": f"nato-defence-expenditure-{version[:12]}",
        "type": "dataset",
        "title": "NATO defence expenditure figures, edition by edition",
        "author": [{"literal": "NATO"}],
        "publisher": "NATO defence expenditure API",
        "issued": {"date-parts": [[int(p) for p in meta["loaded_at"][:10].split("-")]]},
        "URL": f"{BASE}/",
        "note": "The figures are NATO's, from the editions "
        f"{', '.join(e['id'] for e in meta['editions'])}; cite the edition you use: "
        f"{BASE}/v1/citation?edition=ID",
        "version": version,
    }
    [entry] = rispy.loads(_cite(client, "?format=ris", RIS).text)
    assert (entry["type_of_reference"], entry["edition"]) == ("DATA", version)
    bibtex = _cite(client, "?format=bibtex", BIBTEX).text
    assert bibtex.startswith(f"@misc{{nato-defence-expenditure-{version[:12]},\n")
    assert f"  version = {{{version}}},\n" in bibtex


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/x-bibtex", BIBTEX),
        ("application/x-research-info-systems", RIS),
        (CSL, CSL),
        ("application/json", CSL),
        ("text/html;q=0.9, application/x-bibtex;q=0.5", BIBTEX),
        ("*/*", CSL),
    ],
)
def test_accept_chooses_the_format(client: TestClient, accept: str, media_type: str) -> None:
    _cite(client, "?edition=2025-04", media_type, accept=accept)


def test_format_parameter_wins_over_accept(client: TestClient) -> None:
    _cite(client, "?edition=2025-04&format=ris", RIS, accept="application/x-bibtex")


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["type"], body["status"], body["instance"]) == (
        f"/problems/{slug}",
        status,
        "/v1/citation",
    )
    return body


def test_unknown_edition_is_a_404_with_suggestions(client: TestClient) -> None:
    body = _problem(client.get("/v1/citation?edition=2024-6"), 404, "not-found")
    assert body["detail"].startswith("No edition '2024-6'. Did you mean: 2024-06")


def test_unknown_format_is_a_422(client: TestClient) -> None:
    body = _problem(client.get("/v1/citation?format=apa"), 422, "invalid-parameters")
    assert body["errors"][0]["parameter"] == "format"
    assert "'csl-json', 'bibtex' or 'ris'" in body["detail"]


def test_accept_of_no_citation_format_is_a_406_naming_the_formats(client: TestClient) -> None:
    body = _problem(
        client.get("/v1/citation", headers={"accept": "text/csv"}), 406, "not-acceptable"
    )
    assert "application/x-bibtex" in body["detail"]
    assert "application/x-research-info-systems" in body["detail"]


def test_latex_escapes_the_special_characters() -> None:
    assert latex(r"50% & {x}_1 #2 $3 ~ ^ \ ") == (
        r"50\% \& \{x\}\_1 \#2 \$3 \~{} \^{} \textbackslash{} "
    )
