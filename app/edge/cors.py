"""CORS for a read API: the request headers a browser client sends are allowed, and a refused
preflight is a problem+json that says what was refused.

Starlette's CORSMiddleware does the work; this sets what a dashboard on another origin needs
(revalidate with `If-None-Match` or `If-Modified-Since`, resume with `Range` and `If-Range`,
trace with `X-Request-ID`, negotiate with `Accept`) and reads what it needs back (ETag,
Last-Modified, Content-Range, ...). Starlette answers a refused preflight with a text/plain
400 ("Disallowed CORS headers"); this answers it in the API's one error shape instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem

ALLOWED_METHODS = ("GET", "HEAD")
# Request headers a browser client of this API sends beyond the CORS-safelisted ones.
ALLOWED_HEADERS = (
    "Accept",
    "Accept-Language",
    "If-None-Match",
    "If-Modified-Since",
    "If-Range",
    "Range",
    "X-Request-ID",
)
# Response headers a page may read (besides the CORS-safelisted ones).
EXPOSED_HEADERS = (
    "Link",
    "X-Request-ID",
    "ETag",
    "Last-Modified",
    "Retry-After",
    "X-Total-Count",
    "Accept-Ranges",
    "Content-Range",
    "Content-Length",
    "Content-Disposition",
)
_WHAT = {
    "origin": "this Origin is not among the allowed origins (NATO_CORS_ORIGINS)",
    "method": f"only {' and '.join(ALLOWED_METHODS)} are allowed (the API is read-only)",
    "headers": "the allowed request headers are " + ", ".join(ALLOWED_HEADERS),
    "private-network": "private network access is not allowed",
}


class Cors(CORSMiddleware):
    """CORSMiddleware with this API's rules and refusals as problem+json."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            allow_credentials=False,
            expose_headers=EXPOSED_HEADERS,
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                answer = self.preflight_response(request_headers=headers)
                if answer.status_code >= 400:
                    answer = _refusal(answer, headers, scope["path"])
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _refusal(answer: Response, request_headers: Headers, path: str) -> Response:
    """Starlette's text/plain refusal ("Disallowed CORS headers") as problem+json."""
    refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ").split(", ")
    requested = (
        f"{request_headers.get('access-control-request-method', '')} with headers "
        f"{request_headers.get('access-control-request-headers') or '(none)'}"
    )
    refusal = problem(
        path[:200],
        status=400,
        title="CORS preflight refused",
        detail=f"The preflight for {requested} from {request_headers.get('origin')} is "
        "refused: " + "; ".join(_WHAT.get(what, what) for what in refused) + ".",
        slug="cors-refused",
        refused=refused,
    )
    # Keep the CORS headers Starlette set, so that a browser may read the refusal.
    for name, value in answer.headers.items():
        if name.startswith("access-control-") or name == "vary":
            refusal.headers[name] = value
    return refusal
