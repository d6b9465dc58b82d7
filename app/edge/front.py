"""The front door, the outermost layer: request ids, and cache hits answered at once.

It reads each request's headers once, gives the request an id, runs the guards, answers a
request the response cache holds (`ResponseCache.lookup`) without entering any other layer,
and records every answer for the metrics and the access log; it adds one header (the id)
to each response, and to each error the Vary its success would carry.
"""

from __future__ import annotations

import contextvars
import os
import re
import time
from collections.abc import Iterable

from starlette.types import Message, Receive, Scope, Send

from app.edge.cache import ResponseCache
from app.edge.guards import HOST_SYNTAX, Limits, reject
from app.edge.metrics import Metrics
from app.edge.representation import VARY, send_body

# An incoming id is reused when it is short and harmless (it ends up in logs and headers).
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
UNMATCHED = "<unmatched>"

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

ID_BATCH = 1024


def new_request_ids(count: int = ID_BATCH) -> list[bytes]:
    """`count` random request ids of 16 hex digits, made at once (one call to the OS's random
    source): a fraction of the cost of making each on its own, on every request."""
    digits = os.urandom(8 * count).hex().encode()
    return [digits[i : i + 16] for i in range(0, 16 * count, 16)]


class FrontDoor:
    """The outermost layer: request id, request guards, metrics and one access-log line per
    request, around the response cache.

    Every request passes here, so the path is kept short: the request headers are read into
    one dict, and a request the response cache can answer is answered here (`cache.lookup`),
    without entering the layers below: one header added, a few counters, one buffered line.
    """

    def __init__(
        self,
        cache: ResponseCache,
        *,
        metrics: Metrics,
        limits: Limits,
        plain_routes: Iterable[str] = (),
        mounts: Iterable[str] = (),
    ) -> None:
        self.cache = cache
        self.metrics = metrics
        self.limits = limits
        # Routes that are not API routes (openapi.json, static mounts) leave no route in the
        # scope: label them by their path or mount prefix.
        self.plain_routes = frozenset(plain_routes)
        self.mounts = tuple((prefix + "/", prefix + "/{path}") for prefix in mounts)
        # What a request must pass to skip the guards (most do): a short URL, few parameters,
        # no body headers, and any Host allowed.
        self._quick_url = limits.max_url_length
        self._quick_params = limits.max_query_params
        self._quick_host = limits.any_host
        self._ids: list[bytes] = []

    @property
    def app(self) -> ResponseCache:
        """The next layer inward, as ASGI middleware name it: the response cache."""
        return self.cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                send = self._drain_at_shutdown(send)
            await self.cache(scope, receive, send)
            return
        started = time.perf_counter()
        # ASGI servers send lowercase header names; a repeated header keeps its last value.
        headers: dict[bytes, bytes] = dict(scope["headers"])
        request_id = headers.get(b"x-request-id")
        if request_id is None or not _SAFE_ID.fullmatch(request_id):
            ids = self._ids
            if not ids:
                ids = self._ids = new_request_ids()
            request_id = ids.pop()
        id_header = (b"x-request-id", request_id)
        method: str = scope["method"]
        path: str = scope["path"]
        query: bytes = scope["query_string"]
        rejection = hit = None
        if (
            # A repeated header (two Hosts?) or a Host of another syntax: the guards decide.
            len(headers) != len(scope["headers"])
            or not HOST_SYNTAX.fullmatch(headers.get(b"host", b"-"))
            # Fewer bytes than the parameter limit: fewer parameters too.
            or len(query) >= self._quick_params
            or len(scope.get("raw_path") or path) + len(query) > self._quick_url
            or not self._quick_host
            or b"content-length" in headers
            or b"transfer-encoding" in headers
        ):
            rejection = reject(self.limits, scope, headers)
        else:
            hit = self.cache.lookup(scope, headers, started)
        if hit is not None:
            status, response_headers, body, route = hit
            try:
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [*response_headers, id_header],
                    }
                )
                await send_body(send, body)
            finally:
                label = getattr(route, "path", None) or self._plain_label(path)
                record = (method, path, label, status, started, time.perf_counter(), request_id)
                self.metrics.record(record)
            return

        token = request_id_var.set(request_id.decode())
        status = 500
        head = method == "HEAD"
        if head:
            # HEAD is a GET without the body (RFC 9110, 9.3.2); the routes only declare GET.
            scope = {**scope, "method": "GET"}

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), id_header]
                if status >= 400:
                    # An error varies as its success would (a cache must not serve a 406 for
                    # one Accept to another); the guards and routing answer before the cache.
                    headers = [h for h in headers if h[0].lower() != b"vary"]
                    headers.append((b"vary", VARY))
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if rejection is not None:
                await rejection(scope, receive, send_with_id)
            else:
                await self.cache(scope, receive, send_with_id)
        finally:
            # FastAPI's router notes the matched APIRoute in the scope (the cache copies it).
            template = getattr(scope.get("route"), "path", None)
            label = (template or "/") if isinstance(template, str) else self._plain_label(path)
            record = (method, path, label, status, started, time.perf_counter(), request_id)
            self.metrics.record(record)
            request_id_var.reset(token)

    def _drain_at_shutdown(self, send: Send) -> Send:
        metrics = self.metrics

        async def send_after_drain(message: Message) -> None:
            if message["type"].startswith("lifespan.shutdown"):
                metrics.drain()
            await send(message)

        return send_after_drain

    def _plain_label(self, path: str) -> str:
        if path in self.plain_routes:
            return path
        for prefix, label in self.mounts:
            if path.startswith(prefix):
                return label
        return UNMATCHED
