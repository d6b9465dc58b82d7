"""Swagger UI and ReDoc render in headless Chromium under the Content-Security-Policy the app
sends, with no violation and no request leaving the server (they work offline).

Run with `make e2e` (or `pytest -m browser`); needs /usr/bin/chromium.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from tests.live import live_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with live_server(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (make e2e does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


@pytest.mark.parametrize(
    ("page_path", "rendered"),
    [
        ("/docs", ".swagger-ui .opblock-summary-path"),
        ("/redoc", "[data-section-id^='tag/']"),
    ],
)
def test_docs_render_under_their_content_security_policy(
    browser: Any, base_url: str, page_path: str, rendered: str
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Anything that would reach the network beyond the server is recorded and aborted.
    page.route(
        lambda url: not url.startswith((base_url, "data:", "blob:")),
        lambda route: (requests.append(route.request.url), route.abort()),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    response = page.goto(base_url + page_path)
    assert response is not None
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"] or (
        page_path == "/redoc"
    )
    page.wait_for_selector(rendered, timeout=20_000)
    assert page.locator(rendered).count() >= 4  # healthz, readyz, meta, metrics at least
    page.close()
    # ReDoc's footer logo comes from its CDN: the policy blocks it, which is the point.
    assert [p for p in problems if "https://cdn.redoc.ly/" not in p] == []
    assert requests == []
