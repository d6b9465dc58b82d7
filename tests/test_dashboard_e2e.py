"""The dashboard in real headless Chromium (Debian's), against a live uvicorn server on the
seeded test database: the ranked chart shows every ally with data, follows the year and edition
selectors, keeps its state in the URL, and works under a strict Content-Security-Policy.

Run with `make e2e` (or `pytest -m browser`); needs /usr/bin/chromium (apt-get install chromium).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app.config import PROJECT_ROOT
from tests.conftest import data_rows

pytestmark = pytest.mark.browser

# A strict policy like the one the hardened app sends: the page must need nothing inline.
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
SCREENSHOTS = PROJECT_ROOT / "bench" / "out"


def share_gdp(edition: str, year: int) -> dict[str, str]:
    return {
        r["ally_iso3"]: r["value"]
        for r in data_rows("observations.csv")
        if r["indicator"] == "share_gdp" and r["edition"] == edition and r["year"] == str(year)
    }


class Dashboard:
    """The page under test, with a strict CSP injected and every request and error recorded."""

    def __init__(self, browser: object, base: str, width: int, height: int) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda msg: self.errors.append(msg.text) if msg.type == "error" else None,
        )
        self.page.route(lambda url: urlsplit(url).path == "/", self._with_csp)

    @staticmethod
    def _with_csp(route: object) -> None:
        response = route.fetch()  # type: ignore[attr-defined]
        headers = {**response.headers, "content-security-policy": CSP}
        route.fulfill(response=response, headers=headers)  # type: ignore[attr-defined]

    def ready_mark(self) -> str:
        return str(self.page.evaluate("document.body.dataset.ready || ''"))

    def wait_ready(self, previous: str = "") -> None:
        self.page.wait_for_function(
            "prev => document.body.dataset.ready && document.body.dataset.ready !== prev "
            "&& !document.body.hasAttribute('aria-busy')",
            arg=previous,
            timeout=20_000,
        )

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base}/{query}")
        self.wait_ready()

    def change(self, selector: str, value: str) -> None:
        previous = self.ready_mark()
        self.page.select_option(selector, value)
        self.wait_ready(previous)

    def bars(self) -> dict[str, str | None]:
        """Ally -> drawn value text (None for a "no data" row) of the ranked chart."""
        rows = self.page.eval_on_selector_all(
            "#ranked-chart g.bar",
            "gs => gs.map(g => [g.dataset.ally, g.dataset.value ?? null, g.textContent])",
        )
        return {ally: value for ally, value, _ in rows}

    def no_data_rows(self) -> dict[str, str]:
        rows = self.page.eval_on_selector_all(
            "#ranked-chart g.bar", "gs => gs.map(g => [g.dataset.ally, g.textContent])"
        )
        return {ally: text for ally, text in rows if "no data" in text}

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)


def drawn_values(dashboard: Dashboard) -> dict[str, str]:
    return {k: v for k, v in dashboard.bars().items() if v is not None}


def test_dashboard_follows_year_and_edition(
    browser: object, live_server: str, tmp_path: Path
) -> None:
    dashboard = Dashboard(browser, live_server, 1280, 900)
    dashboard.open("?edition=2024-06")
    assert dashboard.page.title() == "NATO defence expenditure dashboard"
    # The year selector offers every year of the data, newest first (2012-2013: 2019-06 only).
    years = sorted({int(r["year"]) for r in data_rows("observations.csv")}, reverse=True)
    offered = dashboard.page.eval_on_selector_all("#year option", "os => os.map(o => o.value)")
    assert offered == [str(y) for y in range(years[0], years[-1] - 1, -1)]
    assert offered[-1] == "2012"

    # Every ally with a 2024 figure in the June 2024 tables is drawn with its published value;
    # Iceland is a "no data" row, not a zero bar.
    june_2024 = share_gdp("2024-06", 2024)
    assert len(june_2024) == 31
    assert drawn_values(dashboard) == june_2024
    assert list(dashboard.no_data_rows()) == ["ISL"]
    assert dashboard.page.locator("#ranked-chart g.bar[data-ally='ISL'] rect").count() == 0
    meeting = sum(1 for v in june_2024.values() if Decimal(v) >= 2)
    assert dashboard.page.text_content("#ranked-summary").startswith(  # type: ignore[union-attr]
        f"{meeting} allies at or above 2% of GDP in 2024"
    )

    # The year selector redraws the chart with that year's figures.
    dashboard.change("#year", "2014")
    assert drawn_values(dashboard) == share_gdp("2024-06", 2014)
    assert drawn_values(dashboard) != june_2024

    # The edition selector too: the August 2025 revision of 2014 (Germany 1.19 -> 1.16).
    dashboard.change("#edition", "2025-08")
    revised = share_gdp("2025-08", 2014)
    assert drawn_values(dashboard) == revised
    assert revised["DEU"] != share_gdp("2024-06", 2014)["DEU"]
    assert dashboard.query() == {"edition": ["2025-08"], "year": ["2014"]}

    # The ally chart overlays every edition that has the ally's series.
    series = dashboard.page.eval_on_selector_all(
        "#ally-chart g.series", "gs => gs.map(g => g.dataset.series)"
    )
    us_editions = sorted(
        {
            r["edition"]
            for r in data_rows("observations.csv")
            if r["indicator"] == "share_gdp" and r["ally_iso3"] == "USA"
        }
    )
    assert series == us_editions
    assert dashboard.page.locator("#history-chart g.year").count() >= 1

    # A shared URL restores the same view.
    shared = Dashboard(browser, live_server, 1280, 900)
    shared.open("?" + urlsplit(dashboard.page.url).query)
    assert shared.page.input_value("#edition") == "2025-08"
    assert shared.page.input_value("#year") == "2014"
    assert drawn_values(shared) == revised

    # Keyboard: type a new threshold and leave the field; the count and the URL follow.
    previous = dashboard.ready_mark()
    dashboard.page.focus("#threshold")
    dashboard.page.keyboard.press("Control+A")
    dashboard.page.keyboard.type("1.5")
    dashboard.page.keyboard.press("Tab")
    dashboard.wait_ready(previous)
    at_15 = sum(1 for v in revised.values() if Decimal(v) >= Decimal("1.5"))
    assert dashboard.page.text_content("#ranked-summary").startswith(  # type: ignore[union-attr]
        f"{at_15} allies at or above 1.5% of GDP in 2014"
    )
    assert dashboard.query()["threshold"] == ["1.5"]

    # Back to the default view for the screenshot: latest editions, 2024, 2%.
    dashboard.open("?year=2024&ally=POL")
    screenshot = tmp_path / "dashboard.png"
    dashboard.page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000

    # Nothing left the server, nothing failed, the strict CSP blocked nothing.
    assert all(url.startswith(live_server) for url in dashboard.requests + shared.requests)
    assert dashboard.errors == []
    assert shared.errors == []
    _keep(screenshot, "dashboard.png")


def test_dashboard_at_phone_width(browser: object, live_server: str, tmp_path: Path) -> None:
    dashboard = Dashboard(browser, live_server, 375, 812)
    dashboard.open("?year=2024")
    # No horizontal scrolling of the page at 375 px.
    overflow = dashboard.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    latest = dashboard.bars()
    assert latest["ISL"] is None
    assert len([v for v in latest.values() if v is not None]) == 31
    screenshot = tmp_path / "dashboard-phone.png"
    dashboard.page.screenshot(path=str(screenshot), full_page=True)
    assert dashboard.errors == []
    _keep(screenshot, "dashboard-phone.png")


def test_dashboard_headline_names_definition_edition_and_published_count(
    browser: object, live_server: str
) -> None:
    dashboard = Dashboard(browser, live_server, 1280, 900)
    dashboard.open("?year=2024&edition=2025-04")
    headline = dashboard.page.text_content("#ranked-summary") or ""
    meeting = sum(1 for v in share_gdp("2025-04", 2024).values() if Decimal(v) >= 2)
    assert headline.startswith(
        f"{meeting} allies at or above 2% of GDP in 2024 "
        "(figures: NATO's pre-2025 definition, edition 2025-04)"
    )
    published = [
        r
        for r in data_rows("aggregates.csv")
        if (r["aggregate"], r["indicator"], r["year"], r["edition"])
        == ("ALLIES", "count_allies_2pct", "2024", "2025-04")
    ]
    assert published
    assert f"Published count for 2024: {published[0]['value']} (edition 2025-04" in headline
    dashboard.change("#edition", "")
    latest = dashboard.page.text_content("#ranked-summary") or ""
    assert "(figures: core defence expenditure, edition 2026-07)" in latest
    assert dashboard.errors == []


def test_dashboard_road_to_2035(browser: object, live_server: str, tmp_path: Path) -> None:
    dashboard = Dashboard(browser, live_server, 1280, 900)
    dashboard.open("?ally=FRA")
    summary = dashboard.page.evaluate(
        "fetch('/v1/pathways').then(r => r.json()).then(b => b.summary)"
    )
    text = dashboard.page.text_content("#road-summary") or ""
    assert text.startswith(
        f"Target 3.5% of GDP by 2035: {summary['met']} met, {summary['on_track']} on track, "
        f"{summary['off_track']} off track"
    )
    assert "core defence expenditure, edition 2026-07" in text
    # Both charts are the server's SVGs, loaded and drawn (a broken image has no width).
    for image, path in (
        ("#road-chart", "/v1/charts/pathways.svg"),
        ("#road-ally-chart", "/v1/charts/pathways/FRA.svg"),
    ):
        dashboard.page.wait_for_function(
            "sel => { const i = document.querySelector(sel); return i.complete && "
            "i.naturalWidth > 0; }",
            arg=image,
        )
        assert urlsplit(dashboard.page.get_attribute(image, "src") or "").path == path
    assert "France" in (dashboard.page.text_content("#road-ally-caption") or "")
    dashboard.change("#edition", "2024-06")
    assert dashboard.page.get_attribute("#road-chart", "src") == (
        "/v1/charts/pathways.svg?edition=2024-06"
    )
    assert "edition 2024-06" in (dashboard.page.text_content("#road-summary") or "")
    dashboard.change("#edition", "")
    section = dashboard.page.locator("[data-testid=road-section]")
    screenshot = tmp_path / "dashboard-road.png"
    section.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000
    assert dashboard.errors == []
    _keep(screenshot, "dashboard-road.png")


def test_pathway_charts_render_in_chromium(browser: object, live_server: str) -> None:
    page = browser.new_page(viewport={"width": 900, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    for path in ("/v1/charts/pathways.svg?lang=fr", "/v1/charts/pathways/POL.svg"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200
        box = page.locator("svg").bounding_box()
        assert box is not None
        assert box["width"] == 820
        assert box["height"] > 300
    assert errors == []


def test_dashboard_cites_the_selected_edition(browser: object, live_server: str) -> None:
    dashboard = Dashboard(browser, live_server, 1280, 900)
    dashboard.open()
    version = dashboard.page.evaluate(
        "fetch('/v1/meta').then(r => r.json()).then(m => m.dataset_version)"
    )
    # Latest: the dataset itself is cited.
    text = dashboard.page.text_content("#cite-text") or ""
    assert text.startswith("NATO (")
    assert "NATO defence expenditure figures, edition by edition" in text
    assert f"Dataset version {version}." in text
    bibtex = dashboard.page.text_content("#cite-bibtex") or ""
    assert bibtex.startswith(f"@misc{{nato-defence-expenditure-{version[:12]},")
    # An edition: its title, date, NATO URL and the dataset version, and the three downloads.
    dashboard.change("#edition", "2024-06")
    official = next(
        r["url"] for r in data_rows("sources.csv") if r["id"] == "nato-def-exp-2024-xlsx"
    )
    text = dashboard.page.text_content("#cite-text") or ""
    assert text.startswith("NATO (2024-06-17). Defence Expenditure of NATO Countries (2014-2024).")
    assert official in text
    assert f"dataset version {version}" in text
    bibtex = dashboard.page.text_content("#cite-bibtex") or ""
    assert bibtex.startswith("@techreport{nato-2024-06,")
    for fmt in ("bibtex", "ris", "csl-json"):
        href = dashboard.page.get_attribute(f"#cite-link-{fmt}", "href")
        assert href == f"/v1/citation?format={fmt}&edition=2024-06"
    assert dashboard.errors == []


def _keep(screenshot: Path, name: str) -> None:
    """Copy the screenshot to bench/out (git-ignored) for people to look at."""
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, SCREENSHOTS / name)
    except OSError:
        pass
