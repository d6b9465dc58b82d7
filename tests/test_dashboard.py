"""The dashboard page and its assets, without a browser: served, self-contained, accessible
markup, no inline script or style (a strict CSP must not break it)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

ASSETS = {
    "/static/dashboard/dashboard.js": "text/javascript; charset=utf-8",
    "/static/dashboard/dashboard.css": "text/css; charset=utf-8",
    "/static/dashboard/favicon.svg": "image/svg+xml",
}
# The only absolute URL allowed in the files: the SVG namespace name, an identifier that is
# never fetched.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_bodies.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def page(client: TestClient) -> Page:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    parsed = Page()
    parsed.feed(response.text)
    return parsed


def test_page_loads_its_own_script_and_stylesheet_only(page: Page) -> None:
    assert page.all("script") == [{"src": "/static/dashboard/dashboard.js", "defer": None}]
    assert "".join(page.script_bodies).strip() == ""
    assert [a["href"] for a in page.all("link") if a.get("rel") == "stylesheet"] == [
        "/static/dashboard/dashboard.css"
    ]
    assert not page.all("style")
    for name, attrs in page.tags:
        assert "style" not in attrs, name
        assert not [a for a in attrs if a.startswith("on")], name


def test_page_links_to_the_api_docs(page: Page) -> None:
    hrefs = [a["href"] for a in page.all("a")]
    assert "/docs" in hrefs
    assert "/redoc" in hrefs


def test_every_control_has_a_label(page: Page) -> None:
    controls = [a["id"] for name, a in page.tags if name in ("select", "input")]
    labelled = {a["for"] for a in page.all("label")}
    assert controls == ["edition", "year", "threshold", "ally"]
    assert set(controls) <= labelled
    html = page.all("html")[0]
    assert html["lang"] == "en"
    assert any(a.get("name") == "viewport" for a in page.all("meta"))


@pytest.mark.parametrize("path", ["/", *ASSETS])
def test_no_external_urls(client: TestClient, path: str) -> None:
    text = client.get(path).text
    urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"')]*", text))
    assert urls <= {SVG_NAMESPACE}


@pytest.mark.parametrize(("path", "media_type"), ASSETS.items())
def test_assets_are_served(client: TestClient, path: str, media_type: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert len(response.content) > 200


def test_script_reads_only_the_public_json_api(client: TestClient) -> None:
    script = client.get("/static/dashboard/dashboard.js").text
    fetched = set(re.findall(r'get(?:Json|All|Text)\("([^"]+)"', script))
    assert fetched == {
        "/v1/citation",
        "/v1/compliance",
        "/v1/compliance/history",
        "/v1/observations",
        "/v1/totals",
        "/v1/editions",
        "/v1/allies",
        "/v1/pathways",
    }
    # The Road to 2035 section shows the server's pathway charts (same origin).
    charts = set(re.findall(r'apiUrl\("(/v1/charts/[^"]+)"', script))
    assert charts == {
        "/v1/charts/compliance.svg",
        "/v1/charts/allies/",
        "/v1/charts/pathways.svg",
        "/v1/charts/pathways/",
    }
    # State is kept in the URL, replaced (not pushed) on every change.
    assert "history.replaceState" in script
    assert "innerHTML" not in script  # text only goes through textContent / setAttribute


def test_page_has_a_cite_block_fed_by_the_citation_endpoint(page: Page) -> None:
    ids = {attrs.get("id") for _, attrs in page.tags}
    assert {"cite-title", "cite-text", "cite-bibtex"} <= ids
    links = {a["id"]: a["href"] for a in page.all("a") if (a.get("id") or "").startswith("cite-")}
    assert links == {
        "cite-link-bibtex": "/v1/citation?format=bibtex",
        "cite-link-ris": "/v1/citation?format=ris",
        "cite-link-csl-json": "/v1/citation?format=csl-json",
    }


def test_unknown_asset_is_a_problem(client: TestClient) -> None:
    response = client.get("/static/dashboard/../../config.py")
    assert response.status_code == 404
    response = client.get("/static/dashboard/missing.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No dashboard file 'missing.js'."


def test_shared_view_urls_load(client: TestClient) -> None:
    # The page's own state parameters are not API filters: any shared URL opens the page.
    response = client.get("/?edition=2024-06&year=2019&threshold=2.5&ally=POL")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_dashboard_is_not_in_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/static")]
