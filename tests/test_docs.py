"""/docs and /redoc work offline: their assets come from an installed package, served here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

ASSET_ATTRIBUTES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
ASSET_URLS = re.compile(r"""(?:url|js_url|css_url)\s*:\s*["']([^"']+)["']""")


def _references(html: str) -> list[str]:
    return ASSET_ATTRIBUTES.findall(html) + ASSET_URLS.findall(html)


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        (
            "/docs",
            {
                "/static/docs/swagger-ui-bundle.js",
                "/static/docs/swagger-ui.css",
                "/static/docs/favicon.png",
            },
        ),
        ("/redoc", {"/static/docs/redoc.standalone.js", "/static/docs/favicon.png"}),
    ],
)
def test_docs_pages_reference_only_local_assets(
    client: TestClient, page: str, assets: set[str]
) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    references = set(_references(html))
    assert assets <= references
    assert not [r for r in references if "//" in r], "a CDN or other host is referenced"
    assert "cdn.jsdelivr.net" not in html
    assert "fonts.googleapis.com" not in html
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
    assert "/openapi.json" in html


def test_docs_assets_have_their_media_types(client: TestClient) -> None:
    assert (
        client.get("/static/docs/swagger-ui-bundle.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert client.get("/static/docs/swagger-ui.css").headers["content-type"].startswith("text/css")


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("/docs", "#operations-observations-list_observations"),
        ("/redoc", "h2:has-text('Per-ally figures, filtered and paginated')"),
    ],
)
def test_docs_render_with_no_network(
    browser: Any, live_server: str, page: str, rendered: str
) -> None:
    from playwright.sync_api import Route

    outside: list[tuple[str, str]] = []

    def only_this_server(route: Route) -> None:
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            outside.append((route.request.resource_type, url))
            route.abort()

    context = browser.new_context()
    try:
        context.route("**/*", only_this_server)
        tab = context.new_page()
        tab.goto(live_server + page)
        tab.wait_for_selector(rendered, timeout=30_000)
        assert "/v1/observations" in tab.content()
    finally:
        context.close()
    # Everything the page needs came from this server. The ReDoc bundle itself links its
    # "API docs by Redocly" logo from cdn.redoc.ly: blocked here, and the page still renders.
    assert [url for kind, url in outside if kind != "image"] == []
    assert {url for _, url in outside} <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
