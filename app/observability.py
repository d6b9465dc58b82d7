"""The outermost ASGI layer: request ids, guards, security headers, metrics and access log.

It is plain ASGI (no BaseHTTPMiddleware) and sits outside the response cache, so a cache hit
still gets its request id, security headers, metrics and log line. The hot path does a few
dict operations and one log call per request; metrics are plain counters rendered in the
Prometheus text format only when /metrics is scraped.
"""

from __future__ import annotations

import base64
import bisect
import contextvars
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.cache import CacheStats
from app.errors import PROBLEM_JSON

REQUEST_ID_HEADER = "x-request-id"
# An incoming id is reused when it is short and harmless (it ends up in logs and headers).
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# API responses are data, never pages: nothing may load from them. HTML pages may load their
# own assets and call the API, nothing inline and nothing from elsewhere; a page that needs
# more (the docs: hashed inline scripts) sets its own policy, which is kept.
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    b"form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_CSP = b"content-security-policy"

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
UNMATCHED = "<unmatched>"
_MAX_LEARNT_PATHS = 8192


def new_request_id() -> str:
    return os.urandom(8).hex()


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0


class Metrics(Collector):
    """Request, latency and cache counters of one application, exposed to Prometheus.

    Updated only from the event loop thread (the middleware and the cache run there), so
    plain ints suffice. Per process: with several workers, each keeps its own.
    """

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = {}
        self.latency: dict[str, _Histogram] = {}
        # The response cache's own counters, attached by create_asgi (None: no cache).
        self.cache_stats: CacheStats | None = None
        self.dataset_version: str | None = None
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        self.requests[key] = self.requests.get(key, 0) + 1
        hist = self.latency.get(route)
        if hist is None:
            hist = self.latency[route] = _Histogram()
        hist.buckets[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        hist.total += seconds

    def collect(self) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "nato_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels=["route", "method", "status"],
        )
        for (route, method, status), count in sorted(self.requests.items()):
            requests.add_metric([route, method, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "nato_http_request_duration_seconds",
            "Time from receiving a request to sending its last byte, by route template.",
            labels=["route"],
        )
        for route, hist in sorted(self.latency.items()):
            cumulative, buckets = 0, []
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), hist.buckets, strict=True):
                cumulative += count
                buckets.append((_bound(bound), cumulative))
            latency.add_metric([route], buckets, hist.total)
        yield latency
        stats = self.cache_stats or CacheStats()
        yield CounterMetricFamily(
            "nato_cache_hits", "Responses served from the response cache.", value=stats.hits
        )
        yield CounterMetricFamily(
            "nato_cache_misses",
            "Cacheable requests the response cache passed to the application.",
            value=stats.misses,
        )
        info = GaugeMetricFamily(
            "nato_dataset_info",
            "The loaded dataset version (SHA-256 of the seed files); always 1.",
            labels=["version"],
        )
        if self.dataset_version:
            info.add_metric([self.dataset_version], 1)
        yield info


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


@dataclass(frozen=True)
class Limits:
    max_url_length: int
    max_query_params: int
    max_body_bytes: int
    trusted_hosts: tuple[str, ...]

    @property
    def any_host(self) -> bool:
        return "*" in self.trusted_hosts


def _host_allowed(host: str, patterns: tuple[str, ...]) -> bool:
    # Same rules as Starlette's TrustedHostMiddleware: exact names or "*.domain".
    if "*" in patterns:
        return True
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower()
    for pattern in patterns:
        if name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class ObservabilityMiddleware:
    """Request id, request guards, security headers, metrics and one access-log line."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        limits: Limits,
        plain_routes: Iterable[str] = (),
        mounts: Iterable[str] = (),
        access_log: Callable[[str, str, str, int, float], None] | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.limits = limits
        # Routes that are not API routes (openapi.json, static mounts) leave no route in the
        # scope: label them by their path or mount prefix.
        self.plain_routes = frozenset(plain_routes)
        self.mounts = tuple((prefix + "/", prefix + "/{path}") for prefix in mounts)
        self.access_log = access_log
        # Raw path -> route template, learnt from requests that reached the router, so that
        # responses that never enter it (cache hits) are counted under the right route.
        self.routes: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_request_id(scope) or new_request_id()
        token = request_id_var.set(request_id)
        status = 500
        id_header = (b"x-request-id", request_id.encode("latin-1"))
        method: str = scope["method"]
        head = method == "HEAD"
        if head:
            # HEAD is a GET without the body (RFC 9110, 9.3.2); the routes only declare GET.
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            elif message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                has_csp, html = False, False
                for name, value in headers:
                    lowered = name.lower()
                    has_csp = has_csp or lowered == _CSP
                    html = html or (lowered == b"content-type" and value.startswith(b"text/html"))
                if not has_csp:
                    headers.append((_CSP, PAGE_CSP if html else API_CSP))
                headers.extend(SECURITY_HEADERS)
                headers.append(id_header)
                message = {**message, "headers": headers}
            await send(message)

        try:
            rejection = self._reject(scope)
            if rejection is not None:
                await rejection(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            path: str = scope["path"]
            route = self._route_label(scope, path, status)
            self.metrics.observe(route, method if method in _METHODS else "OTHER", status, elapsed)
            if self.access_log is not None:
                self.access_log(method, path, route, status, elapsed)
            request_id_var.reset(token)

    def _route_label(self, scope: Scope, path: str, status: int) -> str:
        route = scope.get("route")
        template = getattr(route, "path", None)
        if isinstance(template, str):
            label = template or "/"
            if len(self.routes) < _MAX_LEARNT_PATHS:
                self.routes[path] = label
            return label
        if path in self.plain_routes:
            return path
        for prefix, label in self.mounts:
            if path.startswith(prefix):
                return label
        return self.routes.get(path, UNMATCHED)

    def _reject(self, scope: Scope) -> ASGIApp | None:
        """A problem+json answer for requests refused before routing, or None."""
        limits = self.limits
        query: bytes = scope["query_string"]
        url_length = len(scope.get("raw_path") or scope["path"]) + len(query)
        if url_length > limits.max_url_length:
            return _problem(
                414,
                "URI too long",
                f"The URL is {url_length} characters long; the limit is "
                f"{limits.max_url_length}. Ask for fewer values per request.",
                "uri-too-long",
            )
        if query.count(b"&") >= limits.max_query_params:
            return _problem(
                400,
                "Bad request",
                f"Too many query parameters; the limit is {limits.max_query_params}.",
                "bad-request",
            )
        host = length = encoding = None
        for name, value in scope["headers"]:
            name = name.lower()
            if name == b"host":
                host = value
            elif name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                encoding = value
        if not limits.any_host and not _host_allowed(
            (host or b"").decode("latin-1"), limits.trusted_hosts
        ):
            return _problem(
                400,
                "Bad request",
                "This Host header is not served here; use one of the configured hosts.",
                "untrusted-host",
            )
        too_long = length is not None and (
            not length.isdigit() or int(length) > limits.max_body_bytes
        )
        if too_long or (encoding is not None and b"chunked" in encoding.lower()):
            return _problem(
                413,
                "Content too large",
                f"This API is read-only and takes no request body over "
                f"{limits.max_body_bytes} bytes.",
                "content-too-large",
            )
        return None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SAFE_ID.fullmatch(candidate) else None
    return None


def _problem(status: int, title: str, detail: str, slug: str) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = orjson.dumps(
            {
                "type": f"/problems/{slug}",
                "title": title,
                "status": status,
                "detail": detail,
                "instance": scope["path"][:200],
            }
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""}
        )

    return app


def metrics_of(app: Any) -> Metrics:
    metrics: Metrics = app.state.metrics
    return metrics


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
