"""CORS for a read API: the request headers a browser client sends are allowed, and a refused
preflight is a problem+json that says what was refused.

Starlette's CORSMiddleware does the work; this sets what a dashboard on another origin needs
(revalidate with `If-None-Match` or `If-Modified-Since`, resume with `Range` and `If-Range`,
trace with `X-Request-ID`, negotiate with `Accept`) and reads what it needs back (ETag,
Last-Modified, Content-Range, ...). The MCP endpoint takes POST with its transport's headers
(Content-Type, Mcp-Protocol-Version, ...) and nothing else. Starlette answers a refused
preflight with a text/plain 400 ("Disallowed CORS headers"); this answers it in the API's one
error shape instead.
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
# A path that takes a POST body (the MCP endpoint): POST, with the transport's headers.
POST_METHODS = ("POST",)
POST_HEADERS = ("Content-Type", "Accept", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name")


def _what(methods: Sequence[str], headers: Sequence[str]) -> dict[str, str]:
    read_only = " (the API is read-only)" if "POST" not in methods else ""
    return {
        "origin": "this Origin is not among the allowed origins (NATO_CORS_ORIGINS)",
        "method": f"only {' and '.join(methods)} {'are' if len(methods) > 1 else 'is'} "
        f"allowed{read_only}",
        "headers": "the allowed request headers are " + ", ".join(headers),
        "private-network": "private network access is not allowed",
    }


class Cors(CORSMiddleware):
    """CORSMiddleware with this API's rules and refusals as problem+json; the paths in
    `post_paths` (the MCP endpoint) allow POST and its transport's headers instead."""

    def __init__(
        self,
        app: ASGIApp,
        origins: Sequence[str],
        *,
        post_paths: frozenset[str] = frozenset(),
        methods: Sequence[str] = ALLOWED_METHODS,
        headers: Sequence[str] = ALLOWED_HEADERS,
    ) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=methods,
            allow_headers=headers,
            allow_credentials=False,
            expose_headers=EXPOSED_HEADERS,
            max_age=3600,
        )
        self.what = _what(methods, headers)
        self.post_paths = post_paths
        self.post = (
            Cors(app, origins, methods=POST_METHODS, headers=POST_HEADERS) if post_paths else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.post is not None and scope["type"] == "http" and scope["path"] in self.post_paths:
            await self.post(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers(scope=scope)
            if "origin" in headers and "access-control-request-method" in headers:
                answer = self.preflight_response(request_headers=headers)
                if answer.status_code >= 400:
                    answer = _refusal(answer, headers, scope["path"], self.what)
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _refusal(
    answer: Response, request_headers: Headers, path: str, what: dict[str, str]
) -> Response:
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
        "refused: " + "; ".join(what.get(w, w) for w in refused) + ".",
        slug="cors-refused",
        refused=refused,
    )
    # Keep the CORS headers Starlette set, so that a browser may read the refusal.
    for name, value in answer.headers.items():
        if name.startswith("access-control-") or name == "vary":
            refusal.headers[name] = value
    return refusal
