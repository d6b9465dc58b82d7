"""/docs and /redoc work offline: their assets come from an installed package, served here."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_asgi

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


def _free_port() -> int:
    for port in range(8101, 8110):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    pytest.skip("no free port in 8101-8109")


@pytest.fixture(scope="module")
def live_url(settings: Settings) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_asgi(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("/docs", "#operations-observations-list_observations"),
        ("/redoc", "h2:has-text('Per-ally figures, filtered and paginated')"),
    ],
)
def test_docs_render_with_no_network(live_url: str, page: str, rendered: str) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make e2e installs it)")
    from playwright.sync_api import Route, sync_playwright

    outside: list[tuple[str, str]] = []

    def only_this_server(route: Route) -> None:
        url = route.request.url
        if url.startswith(live_url) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            outside.append((route.request.resource_type, url))
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=False)
            context.route("**/*", only_this_server)
            tab = context.new_page()
            tab.goto(live_url + page)
            tab.wait_for_selector(rendered, timeout=30_000)
            assert "/v1/observations" in tab.content()
        finally:
            browser.close()
    # Everything the page needs came from this server. The ReDoc bundle itself links its
    # "API docs by Redocly" logo from cdn.redoc.ly: blocked here, and the page still renders.
    assert [url for kind, url in outside if kind != "image"] == []
    assert {url for _, url in outside} <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
