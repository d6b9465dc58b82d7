"""Security headers and the Content-Security-Policy of every response, and the docs pages' CSP."""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# API responses are data, never pages: nothing may load from them. HTML pages may load their
# own assets and call the API, nothing inline and nothing from elsewhere; a page that needs
# more (the docs: hashed inline scripts) sets its own policy, which is kept.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
CSP = b"content-security-policy"
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
API_HEADERS: dict[str, str] = {
    name.decode(): value.decode() for name, value in ((CSP, API_CSP), *SECURITY_HEADERS)
}
"""What SecurityHeaders adds to an API answer, for answers sent outside it (the guards')."""


class SecurityHeaders:
    """Adds the security headers and a Content-Security-Policy to every response of `app`.

    A response that sets its own policy (the docs pages) keeps it; other HTML pages get
    PAGE_CSP, everything else API_CSP. Sits inside the response cache, so stored answers
    carry these headers and a hit needs no work here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                has_csp, html = False, False
                for name, value in headers:
                    lowered = name.lower()
                    has_csp = has_csp or lowered == CSP
                    html = html or (lowered == b"content-type" and value.startswith(b"text/html"))
                if not has_csp:
                    headers.append((CSP, PAGE_CSP if html else API_CSP))
                headers.extend(SECURITY_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_secured)


_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def html_csp(body: bytes) -> str:
    """The policy of an HTML page served by this API (the docs): its own assets only, plus
    the exact inline scripts it carries (by hash, so no other inline script can run).

    Swagger UI and ReDoc set inline styles at run time, ReDoc starts a worker from a blob:
    URL, and Swagger UI draws icons from data: URLs.
    """
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}".rstrip()
        + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
        "connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
