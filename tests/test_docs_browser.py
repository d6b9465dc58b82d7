"""Swagger UI and ReDoc render in headless Chromium under the Content-Security-Policy the app
sends, with no violation and no request leaving the server (they work offline).

Run with `make e2e` (or `pytest -m browser`); needs /usr/bin/chromium.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("page_path", "rendered"),
    [
        ("/docs", ".swagger-ui .opblock-summary-path"),
        ("/redoc", "[data-section-id^='tag/']"),
    ],
)
def test_docs_render_under_their_content_security_policy(
    browser: Any, live_server: str, page_path: str, rendered: str
) -> None:
    base_url = live_server
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
