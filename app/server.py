"""The HTTP server: uvicorn, with limits on request heads, slow clients and connections.

uvicorn bounds none of these (issue 12): httptools accepts headers of any size and count
and holds an unfinished head in memory whole; no timer runs before the first request or
while headers arrive, so idle and slowloris connections stay open; `limit_concurrency`
counts connections but only answers once a request arrives (text/plain), while idle
sockets use up the file descriptors. `GuardedProtocol` extends uvicorn's httptools protocol
(hand-written because uvicorn has no hook for it; nginx does the same in front,
deploy/nginx.conf):

- a request head (request line and headers) over `max_head_bytes`, or with more than
  `max_headers` fields, is answered 431 (414 when the request line alone is too long) in
  problem+json, and the connection closed; at most one read chunk (256 KiB) is buffered;
- a connection that has not sent a complete head `head_timeout` seconds after it opened, or
  after its previous request ended, is closed (no answer: the request is not known yet);
- a client that accepts no bytes of an answer for `send_timeout` seconds (the write buffer
  above its high-water mark without shrinking, or an answer left unsent at its end) is
  dropped (issue 23: there was no send timeout once the head had arrived);
- beyond `max_connections` open connections, a connection lingering after its answer, else
  the one whose client has stalled longest (writing paused for at least `STALL_SECONDS`), is
  dropped to make room; when none is, the
  new one is answered 503 with Retry-After at once and closed, so it holds no file
  descriptor. Stalled readers cannot hold every slot;
- an answer sent while the request's body is still arriving (a 405 or 413 that the API
  answers without reading it) is followed by the linger below, not by keep-alive: the
  client that drips its body is closed (each byte it sent cancelled uvicorn's keep-alive
  timer).

- a request with more than one Host header, or whose absolute-form target (`GET
  http://host/path`) names another host than its Host header, is answered 400 in
  problem+json before it reaches the application (issue 23: the guard, the cache key and
  Starlette's URLs read different Hosts).

A refusal is closed the way nginx's lingering_close does: the answer, then a half-close
(FIN), then what the client still sends is read and dropped, for at most `LINGER_SECONDS`
and `LINGER_BYTES` (a client that goes on sending a flood is cut off at once).
Closing at once, with the rest of a long request line unread, makes the kernel reset the
connection (RST), and the client may lose the answer before it reads it.
"""

from __future__ import annotations

import asyncio
import http
from dataclasses import dataclass
from typing import Any

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from app.config import Settings
from app.errors import PROBLEM_JSON, RETRY_AFTER_SECONDS

LINGER_SECONDS = 2.0
LINGER_BYTES = 1024 * 1024
STALL_SECONDS = 1.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_head_bytes: int = 16 * 1024
    max_headers: int = 100
    head_timeout: float = 10.0
    max_connections: int = 512
    send_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            max_head_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
            head_timeout=settings.header_timeout_seconds,
            max_connections=settings.max_connections,
            send_timeout=settings.send_timeout,
        )


def refusal(status: int, slug: str, detail: str, *, retry: bool = False) -> bytes:
    """A complete HTTP/1.1 problem+json answer that closes the connection."""
    phrase = http.HTTPStatus(status).phrase
    body = orjson.dumps(
        {
            "type": f"/problems/{slug}",
            "title": phrase,
            "status": status,
            "detail": detail,
            # The request's path is not known (or not trusted) when the server answers.
            "instance": "/",
        }
    )
    head = [
        f"HTTP/1.1 {status} {phrase}",
        f"content-type: {PROBLEM_JSON}",
        f"content-length: {len(body)}",
        "connection: close",
        "x-content-type-options: nosniff",
        "content-security-policy: default-src 'none'; frame-ancestors 'none'",
    ]
    if retry:
        head.append(f"retry-after: {RETRY_AFTER_SECONDS}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class ServerConfig(uvicorn.Config):
    """uvicorn's Config with the connection limits; always serves with `GuardedProtocol`."""

    def __init__(self, app: Any, *, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, http=GuardedProtocol, **kwargs)
        self.limits = limits


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of `ConnectionLimits` (module docstring)."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits = config.limits if isinstance(config, ServerConfig) else ConnectionLimits()
        self._answers = _answers(self.limits)
        # The head timeout; after a refusal, the end of the linger.
        self._timer: asyncio.TimerHandle | None = None
        # Of the head being received: bytes read (an upper bound), fields, header bytes.
        self._head_bytes = 0
        self._fields = 0
        self._field_bytes = 0
        self._heads_done = 0
        self._refusal: bytes | None = None
        self._lingered = 0
        # The send timeout: since when writing is paused, the timer, the buffer size it saw.
        self._paused_at: float | None = None
        self._send_timer: asyncio.TimerHandle | None = None
        self._send_mark = 0
        self._message_done = True

    # --- connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._evict_stalled():
            self._refuse(self._answers["busy"])
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_send_timer()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        self._paused_at = self.loop.time()
        self._start_send_timer()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._paused_at = None
        self._stop_send_timer()

    def on_response_complete(self) -> None:
        if not self._message_done and self._refusal is None and not self.transport.is_closing():
            # Answered before its body was read (405, 413): linger, then close.
            self._refuse(b"")
        super().on_response_complete()
        if self.transport.get_write_buffer_size():
            # The end of the answer is unsent: the client must still take it in time.
            self._start_send_timer()

    def eof_received(self) -> None:
        if self._refusal is not None:  # the client has read the refusal and closed
            self.transport.close()
            return
        super().eof_received()

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:  # lingering after a refusal: read and drop
            self._lingered += len(data)
            if self._lingered > LINGER_BYTES:
                self.transport.close()
            return
        heads_before = self._heads_done
        super().data_received(data)
        if self._refusal is not None:
            self._refuse(self._refusal)
            return
        if self._timer is None or self.transport.is_closing():
            return
        # A head is incomplete. If another one completed in this chunk, the incomplete one
        # began inside it; otherwise it has been growing over the previous chunks too.
        if self._heads_done != heads_before:
            self._head_bytes = len(data)
        else:
            self._head_bytes += len(data)
        if self._head_bytes > self.limits.max_head_bytes:
            self._refuse(self._answers["url" if self._fields == 0 else "head"])

    # --- parser callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._fields = self._field_bytes = 0
        self._message_done = False
        self._arm()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if self._refusal is not None:
            return
        # A request line read whole in one chunk is not caught by the byte count in
        # data_received; httptools.parse_url refuses 64 KiB and more (a text/plain 400).
        if len(self.url) + len(url) > self.limits.max_head_bytes:
            self._refusal = self._answers["url"]
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._refusal is not None:
            return
        self._fields += 1
        self._field_bytes += len(name) + len(value)
        if self._fields > self.limits.max_headers:
            self._refusal = self._answers["fields"]
        elif self._field_bytes > self.limits.max_head_bytes:
            self._refusal = self._answers["head"]
        else:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refusal is None and not _one_host(self.url, self.headers):
            self._refusal = self._answers["host"]
        if self._refusal is not None:
            return
        self._disarm()
        self._head_bytes = 0
        self._heads_done += 1
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refusal is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._message_done = True
        if self._refusal is None:
            super().on_message_complete()

    # --- helpers ------------------------------------------------------------------------

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self.loop.call_later(self.limits.head_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        # No request to answer yet; one still being answered (pipelining) finishes first.
        if self.cycle is None or self.cycle.response_complete:
            self.transport.close()
        else:
            self._arm()

    def _start_send_timer(self) -> None:
        if self._send_timer is None:
            self._send_mark = self.transport.get_write_buffer_size()
            self._send_timer = self.loop.call_later(self.limits.send_timeout, self._send_check)

    def _stop_send_timer(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_check(self) -> None:
        self._send_timer = None
        pending = self.transport.get_write_buffer_size()
        if pending == 0 and self._paused_at is None:
            return
        if pending < self._send_mark:  # the client took some bytes: give it another period
            self._start_send_timer()
            return
        self.transport.abort()

    def _evict_stalled(self) -> bool:
        """Make room for a new connection: close one lingering after its answer (a refusal,
        or a body the API did not read), else drop the one stalled longest (writing paused
        for STALL_SECONDS or more); False when there is none."""
        now = self.loop.time()
        lingering: list[GuardedProtocol] = []
        stalled: list[tuple[float, GuardedProtocol]] = []
        for conn in self.connections:
            if not isinstance(conn, GuardedProtocol) or conn is self:
                continue
            if conn._refusal is not None:
                lingering.append(conn)
                break
            if conn._paused_at is not None and now - conn._paused_at >= STALL_SECONDS:
                stalled.append((conn._paused_at, conn))
        if lingering:
            lingering[0].transport.abort()
        elif stalled:
            min(stalled, key=lambda pair: pair[0])[1].transport.abort()
        else:
            return False
        return True

    def _refuse(self, answer: bytes) -> None:
        self._refusal = answer
        self._disarm()
        # An answer to an earlier request may still be on its way: never interleave.
        if answer and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()


_DEFAULT_PORTS = {b"http": b"80", b"https": b"443"}


def _one_host(url: bytes, headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request names one host: at most one Host header, and an absolute-form
    target (RFC 9112 3.2.2) naming the same host and port as it."""
    hosts = [value for name, value in headers if name == b"host"]
    if len(hosts) > 1:
        return False
    if url[:1] == b"/" or url == b"*":
        return True
    try:
        parsed = httptools.parse_url(url)
    except httptools.HttpParserInvalidURLError:
        return True  # uvicorn answers it (400)
    if parsed.host is None:
        return True
    schema = (parsed.schema or b"http").lower()
    default = _DEFAULT_PORTS.get(schema, b"")
    port = str(parsed.port).encode() if parsed.port else default
    if not hosts:
        return True
    header = hosts[0].lower()
    if header.startswith(b"["):  # an IPv6 literal: httptools gives it without brackets
        name, _, rest = header[1:].partition(b"]")
        header_port = rest[1:]
    else:
        name, _, header_port = header.partition(b":")
    return (parsed.host.lower().strip(b"[]"), port) == (name, header_port or default)


def _answers(limits: ConnectionLimits) -> dict[str, bytes]:
    return {
        "host": refusal(
            400,
            "invalid-host",
            "The request names more than one host (two Host headers, or a target URL "
            "naming another host than the Host header); send one.",
        ),
        "head": refusal(
            431,
            "header-fields-too-large",
            f"The request's headers exceed {limits.max_head_bytes} bytes; send fewer or "
            "shorter headers.",
        ),
        "fields": refusal(
            431,
            "header-fields-too-large",
            f"The request has more than {limits.max_headers} header fields; send fewer.",
        ),
        "url": refusal(
            414,
            "uri-too-long",
            f"The request line exceeds {limits.max_head_bytes} bytes; ask for fewer values "
            "per request.",
        ),
        "busy": refusal(
            503,
            "unavailable",
            f"The server has {limits.max_connections} open connections, its limit; retry shortly.",
            retry=True,
        ),
    }


def make_config(app: Any, settings: Settings, **kwargs: Any) -> ServerConfig:
    """uvicorn's settings for this API (`app`: an ASGI app, or a factory's import string)."""
    return ServerConfig(
        app,
        limits=ConnectionLimits.from_settings(settings),
        timeout_keep_alive=settings.keep_alive_seconds,
        server_header=False,
        proxy_headers=False,
        access_log=False,
        # Logging is configured by the app (app/logging.py), JSON lines in production.
        log_config=None,
        **kwargs,
    )


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve the API until interrupted (uvicorn.run's start-up, with `make_config`)."""
    config = make_config(
        "app.main:create_asgi", settings, factory=True, host=host, port=port, workers=workers
    )
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
