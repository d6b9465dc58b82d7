"""Request guards: requests refused before routing (URL length, parameter count, Host, body
of a GET or HEAD, size of a POST body where one is taken).

One Host per request (issue 23): with two Host headers, Starlette's `request.url` read the
first while the guard and the cache key read the last, so a trusted second Host let an
untrusted first one into redirects and citations. A request with more than one Host, or a
Host that is not a host name or address with an optional port, is a 400 here; the server
(app.server) refuses a Host that disagrees with an absolute-form target. The URLs the API
writes into bodies and headers start with `base_url`, the one Host this guard let in.

The Host rule is Starlette's TrustedHostMiddleware's (an exact name or "*.domain", compared
in lower case, without the port), written here rather than reused: that middleware answers
text/plain and may redirect to www., its host parser is private (starlette._utils), and
these guards run in one pass over headers the front door has already read, answering in the
API's one problem+json shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Scope

from app.edge.security import API_HEADERS
from app.errors import problem

SERVED_METHODS = frozenset({"GET", "HEAD"})
# A reg-name of letters, digits, dots, hyphens and underscores, an IPv4 address, or an IPv6
# literal in brackets; an optional port (RFC 9110 7.2, RFC 3986 3.2.2, without the
# percent-encoded and sub-delimiter forms no DNS name uses).
HOST_SYNTAX = re.compile(rb"(?:[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


@dataclass(frozen=True)
class Limits:
    max_url_length: int
    max_query_params: int
    max_body_bytes: int
    trusted_hosts: tuple[str, ...]
    # Paths that take a POST body (the MCP endpoint), with its own size limit.
    post_paths: frozenset[str] = frozenset()
    max_post_body_bytes: int = 0

    @property
    def any_host(self) -> bool:
        return "*" in self.trusted_hosts


def host_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether a Host header (name, optional port) matches one of the trusted patterns."""
    if "*" in patterns:
        return True
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower()
    for pattern in patterns:
        if name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


# The scope key `base_url` sets: the answer depends on the Host (the response cache keys such
# answers by Host only on the paths it was told of, and stores no other).
HOST_USED = "nato.host_used"


def base_url(scope: Scope) -> str:
    """This API's root URL as the request reached it (scheme and the one Host the guard let
    in, else the server's address): the start of every absolute URL the API writes."""
    scope[HOST_USED] = True
    host = next((v for n, v in scope["headers"] if n == b"host"), None)
    if host is not None:
        authority = host.decode("latin-1").lower()
    else:
        server = scope.get("server") or ("localhost", None)
        authority = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{authority}"


def host_problem(scope: Scope) -> str | None:
    """Why the request's Host is refused (more than one, or not a host), or None."""
    hosts = [v for n, v in scope["headers"] if n == b"host"]
    if len(hosts) > 1:
        return "The request has more than one Host header; send exactly one."
    if hosts and not HOST_SYNTAX.fullmatch(hosts[0]):
        return "The Host header is not a host name or address with an optional port."
    return None


def reject(limits: Limits, scope: Scope, headers: dict[bytes, bytes]) -> ASGIApp | None:
    """A problem+json answer for a request refused before routing, or None to let it in."""
    host = headers.get(b"host")
    length = headers.get(b"content-length")
    encoding = headers.get(b"transfer-encoding")
    query: bytes = scope["query_string"]
    url_length = len(scope.get("raw_path") or scope["path"]) + len(query)
    if url_length > limits.max_url_length:
        return _refuse(
            scope,
            414,
            "URI too long",
            f"The URL is {url_length} characters long; the limit is "
            f"{limits.max_url_length}. Ask for fewer values per request.",
            "uri-too-long",
        )
    if query.count(b"&") >= limits.max_query_params:
        return _refuse(
            scope,
            400,
            "Bad request",
            f"Too many query parameters; the limit is {limits.max_query_params}.",
            "bad-request",
        )
    host_refused = host_problem(scope)
    if host_refused is not None:
        return _refuse(scope, 400, "Bad request", host_refused, "invalid-host")
    if not limits.any_host and not host_allowed(
        (host or b"").decode("latin-1"), limits.trusted_hosts
    ):
        return _refuse(
            scope,
            400,
            "Bad request",
            "This Host header is not served here; use one of the configured hosts.",
            "untrusted-host",
        )
    if scope["method"] == "POST" and scope["path"] in limits.post_paths:
        return _post_body(limits, scope, length, encoding)
    if (length is None and encoding is None) or scope["method"] not in SERVED_METHODS:
        # The body limit guards the methods served: any other is a 405 with Allow (routing
        # answers it without reading the body), not a 413 that hides it.
        return None
    too_long = length is not None and (not length.isdigit() or int(length) > limits.max_body_bytes)
    if too_long or (encoding is not None and b"chunked" in encoding.lower()):
        return _refuse(
            scope,
            413,
            "Content too large",
            f"This API is read-only and takes no request body over {limits.max_body_bytes} bytes.",
            "content-too-large",
        )
    return None


def _post_body(
    limits: Limits, scope: Scope, length: bytes | None, encoding: bytes | None
) -> ASGIApp | None:
    """A POST body is read whole by the endpoint: its length must be declared and at most
    `max_post_body_bytes`."""
    if encoding is not None or length is None:
        return _refuse(
            scope,
            411,
            "Length required",
            "Send the request body with a Content-Length (chunked bodies are not accepted).",
            "length-required",
        )
    if not length.isdigit() or int(length) > limits.max_post_body_bytes:
        return _refuse(
            scope,
            413,
            "Content too large",
            f"The request body is over {limits.max_post_body_bytes} bytes, the limit of this "
            "endpoint (NATO_MCP_MAX_BODY_BYTES).",
            "content-too-large",
        )
    return None


def _refuse(scope: Scope, status: int, title: str, detail: str, slug: str) -> ASGIApp:
    # Answered outside SecurityHeaders: carry them here.
    return problem(
        scope["path"][:200],
        status=status,
        title=title,
        detail=detail,
        slug=slug,
        headers=API_HEADERS,
    )
