"""The response cache, conditional requests (ETag, 304) and compression, in one pure-ASGI layer.

Every GET/HEAD response is a function of (path, normalized query, Accept, content coding,
Host, Origin, dataset version); the data only changes when the seed runs. So this
layer wraps the FastAPI application itself and answers repeats from memory: a hit never
enters FastAPI's middleware, routing or validation.

- Key: path; query parameters sorted by name (a repeated parameter keeps its order); the
  Accept header as sent, spaces and case folded (`?format=` is part of the query; the format
  it negotiates to differs by route, so it cannot stand in for it); the coding chosen from
  Accept-Encoding (br, gzip or identity); Host and Origin (so a trusted-host or CORS answer
  is never served to another host or origin); the dataset version.
- Stored: 200 answers to GET/HEAD only, never one with Set-Cookie, `Cache-Control: no-store`
  or `private`, a Vary on other request headers, or a Range request. Errors pass through.
  Probes (/healthz, /readyz, /metrics) are never cached. Routes whose body depends on any
  other request header must answer `Cache-Control: no-store`.
- Budget: an LRU bounded by `cache_max_bytes` (bodies plus headers); one entry may take at
  most a quarter of it. With a budget of 0 nothing is stored, but ETags, 304 and compression
  still apply.
- Dataset version: re-read with the reader app.main hands over (one indexed row, in a
  worker thread) at most every `cache_version_check_seconds`; a new version empties the
  cache, so a re-seed is served without a restart. While the version cannot be read,
  requests pass through.
- Headers: a strong ETag per representation (BLAKE2b of the identity body and its media
  type, suffixed by the coding, RFC 9110 8.8.3); `If-None-Match` answers 304 (weak
  comparison, RFC 9110 13.1.2); `Cache-Control: public, max-age=31536000, immutable` when the
  query pins `edition=`, else `public, max-age=<cache_max_age>` (unless the route set its
  own); `Vary: Accept, Accept-Encoding, Origin`; bodies of at least 1 KiB of a textual type are
  compressed with brotli or gzip.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.edge.negotiation import choose_coding

IMMUTABLE = b"public, max-age=31536000, immutable"
# Origin: the CORS headers in a stored answer depend on it (and the key includes it).
VARY = b"Accept, Accept-Encoding, Origin"
COMPRESS_MIN_BYTES = 1024
NO_CACHE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Request headers stripped before a miss reaches the application: the cache answers
# conditionals and compresses, so the application always renders the full identity body.
_STRIPPED = frozenset(
    {
        b"if-none-match",
        b"if-modified-since",
        b"if-match",
        b"if-unmodified-since",
        b"if-range",
        b"accept-encoding",
    }
)
# Response headers the cache replaces with its own.
_REPLACED = frozenset({b"content-length", b"etag", b"vary", b"cache-control"})
# Representation metadata a 304 leaves out (RFC 9110 15.4.5).
_NOT_IN_304 = frozenset(
    {b"content-type", b"content-length", b"content-encoding", b"content-disposition"}
)
_COMPRESSIBLE = (
    b"text/",
    b"application/json",
    b"application/problem+json",
    b"application/javascript",
    b"application/xml",
    b"application/vnd.sqlite3",
    b"image/svg+xml",
)
_CODING_SUFFIX = {"br": "-br", "gzip": "-gz", "identity": ""}
_MEMO_MAX = 4096


@dataclass(frozen=True, slots=True)
class Entry:
    """One cached representation, with its answers prebuilt: a hit allocates nothing."""

    etag: bytes
    size: int
    ok: Hit
    ok_head: Hit
    not_modified: Hit


Hit = tuple[int, list[tuple[bytes, bytes]], bytes, Any]
"""An answer ready to send: (status, headers, body, route). Outer layers must not change the
header list in place (it is the stored one)."""


async def send_hit(hit: Hit, scope: Scope, send: Send) -> None:
    status, headers, body, route = hit
    if route is not None:
        # Outer layers label metrics and logs with the route of the answer.
        scope["route"] = route
    await send({"type": "http.response.start", "status": status, "headers": [*headers]})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True, slots=True)
class Key:
    """A request's cache identity (`id`) and what a miss needs to render it."""

    id: str
    query: tuple[tuple[str, str], ...]
    coding: str


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    not_modified: int = 0
    evictions: int = 0
    invalidations: int = 0


RawKey = tuple[str, bytes, bytes, bytes, bytes, bytes]


def raw_key(scope: Scope, headers: dict[bytes, bytes]) -> RawKey:
    """What a request's answer depends on, as sent: path, query, Accept, Accept-Encoding,
    Host, Origin. Normalised (and memoised) into a Key by ResponseCache._key."""
    return (
        scope["path"],
        scope["query_string"],
        headers.get(b"accept", b""),
        headers.get(b"accept-encoding", b""),
        headers.get(b"host", b""),
        headers.get(b"origin", b""),
    )


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        # Quality 5: most of quality 11's gain at a small fraction of its CPU cost.
        return bytes(brotli.compress(body, quality=5))
    # mtime=0: the same body always gives the same bytes, so ETags agree across workers.
    return gzip.compress(body, compresslevel=6, mtime=0)


def normalize_query(raw: bytes) -> tuple[tuple[str, str], ...]:
    """Parameters sorted by name; a repeated parameter keeps its values' order (stable sort)."""
    if not raw:
        return ()
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison of an If-None-Match list with our strong ETag."""
    value = if_none_match.strip()
    if value == b"*":
        return True
    for candidate in value.split(b","):
        tag = candidate.strip()
        if tag.startswith(b"W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _compressible(content_type: bytes) -> bool:
    return content_type.lower().startswith(_COMPRESSIBLE)


class VersionProbe:
    """The dataset version, re-read at most every `interval` seconds (0: on every call)."""

    def __init__(self, read: Callable[[], str | None], interval: float) -> None:
        self._read = read
        self._interval = interval
        self.version: str | None = None
        self.next_check = 0.0
        self.reading = False

    async def refresh(self) -> str | None:
        """Re-read the version in a worker thread (the event loop never waits on the DB)."""
        self.reading = True
        try:
            self.version = await anyio.to_thread.run_sync(self._safe_read)
        finally:
            self.reading = False
            self.next_check = time.perf_counter() + self._interval
        return self.version

    def _safe_read(self) -> str | None:
        try:
            return self._read()
        except Exception:
            # Unreadable (database down, not migrated): pass requests through to the
            # application, which answers 503 in the API's one error shape.
            return None


class ResponseCache:
    """Pure-ASGI response cache around `app` (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        *,
        read_version: Callable[[], str | None],
    ) -> None:
        self.app = app
        self.max_bytes = settings.cache_max_bytes
        self.max_entry_bytes = settings.cache_max_bytes // 4
        # Responses up to this size are buffered (to hash and compress) even when not stored.
        self.max_buffer_bytes = max(self.max_entry_bytes, 1024 * 1024)
        self.short_cache_control = f"public, max-age={settings.cache_max_age}".encode()
        self.stats = CacheStats()
        self.bytes = 0
        self._store: OrderedDict[str, Entry] = OrderedDict()
        self._probe = VersionProbe(read_version, settings.cache_version_check_seconds)
        self._version: str | None = None
        # time.perf_counter() until which the stored answers are known to be of the current
        # dataset version; 0: the version must be read first (see __call__).
        self._fresh_until = 0.0
        self._keys: dict[RawKey, Key] = {}

    def __len__(self) -> int:
        return len(self._store)

    def clear(self) -> None:
        self._store.clear()
        self._keys.clear()
        self.bytes = 0

    # --- the request path -------------------------------------------------------------------

    def lookup(self, scope: Scope, headers: dict[bytes, bytes], now: float) -> Hit | None:
        """The stored answer to this GET/HEAD, ready to send, or None: not stored, not
        cacheable, or the dataset version is due for a re-read (then `__call__` does it).

        The hit path without the ASGI plumbing, so that the outermost layer can answer a hit
        without entering this one. `headers` are the request's, as a dict (ASGI servers send
        lowercase names); `now` is time.perf_counter().
        """
        if (
            now >= self._fresh_until
            or scope["method"] not in ("GET", "HEAD")
            or b"range" in headers
        ):
            return None
        raw = raw_key(scope, headers)
        key = self._keys.get(raw)
        if key is None:
            return None
        entry = self._store.get(key.id)
        if entry is None:
            return None
        self._store.move_to_end(key.id)
        self.stats.hits += 1
        if b"if-none-match" not in headers:  # the common case, without a call
            return entry.ok if scope["method"] == "GET" else entry.ok_head
        return self._hit(entry, scope["method"] == "HEAD", headers[b"if-none-match"])

    def _hit(self, entry: Entry, head: bool, if_none_match: bytes | None) -> Hit:
        if if_none_match is not None and (
            if_none_match == entry.etag or etag_matches(if_none_match, entry.etag)
        ):
            self.stats.not_modified += 1
            return entry.not_modified
        return entry.ok_head if head else entry.ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"] in NO_CACHE_PATHS
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        hit = self.lookup(scope, headers, time.perf_counter())
        if hit is not None:
            await send_hit(hit, scope, send)
            return
        if b"range" in headers:
            await self.app(scope, receive, send)
            return
        probe = self._probe
        if probe.reading or time.perf_counter() < probe.next_check:
            version = probe.version
        else:
            version = await probe.refresh()
        if version is None:
            await self.app(scope, receive, send)
            return
        if version != self._version:
            if self._version is not None:
                self.stats.invalidations += 1
            self.clear()
            self._version = version
        # Until the next re-read is due, `lookup` may answer from what is stored.
        self._fresh_until = probe.next_check
        raw = raw_key(scope, headers)
        key = self._keys.get(raw)
        if key is None:
            key = self._key(raw)
        entry = self._store.get(key.id)
        if entry is not None:  # stored, but the version had to be re-read first
            self._store.move_to_end(key.id)
            self.stats.hits += 1
        else:
            self.stats.misses += 1
            entry = await self._fill(scope, receive, send, key.query, key.coding)
            if entry is None:
                return  # already answered: not cacheable
            if version == self._version:  # not rendered before a re-seed that emptied us
                self._put(key.id, entry)
        hit = self._hit(entry, scope["method"] == "HEAD", headers.get(b"if-none-match"))
        await send_hit(hit, scope, send)

    def _key(self, raw: RawKey) -> Key:
        """The normalized key of a request's raw (path, query, headers), memoised."""
        path, query_string, accept, accept_encoding, host, origin = raw
        query = normalize_query(query_string)
        coding = choose_coding(accept_encoding.decode("latin-1"))
        # The Accept header itself, not the format it negotiates to: routes negotiate
        # differently (an SVG chart refuses application/json, a list answers it), so only
        # the same header may share an answer.
        media = accept.decode("latin-1").replace(" ", "").lower()
        # One str: its hash is computed once and cached by the interpreter.
        ident = repr((path, query, media, coding, host, origin))
        key = Key(ident, query, coding)
        if len(self._keys) >= _MEMO_MAX:
            self._keys.clear()
        self._keys[raw] = key
        return key

    # --- a miss: run the application, keep what may be kept --------------------------------

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        query: tuple[tuple[str, str], ...],
        coding: str,
    ) -> Entry | None:
        """Run the application for a GET of the same URL; return the entry to serve, or None
        when the response was not cacheable (then it has been sent as it came)."""
        head = scope["method"] == "HEAD"
        inner_scope = dict(scope)
        inner_scope["method"] = "GET"
        inner_scope["headers"] = [(n, v) for n, v in scope["headers"] if n not in _STRIPPED]
        start: Message | None = None
        chunks: list[bytes] = []
        buffered = 0
        streaming = False

        async def forward(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        async def capture(message: Message) -> None:
            nonlocal start, buffered, streaming
            if streaming:
                await forward(message)
            elif message["type"] == "http.response.start":
                start = message
                if not self._cacheable_start(message):
                    streaming = True
                    await forward(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                buffered += len(chunks[-1])
                if buffered > self.max_buffer_bytes:
                    # Too big to buffer: send what we have and stream the rest unchanged.
                    streaming = True
                    assert start is not None
                    await forward(start)
                    await forward(
                        {
                            "type": "http.response.body",
                            "body": b"".join(chunks),
                            "more_body": message.get("more_body", False),
                        }
                    )
            else:
                await send(message)

        try:
            await self.app(inner_scope, receive, capture)
        finally:
            # The router notes the matched route in the scope; outer layers label metrics and
            # logs with it, so hand it back from the copy.
            if "route" in inner_scope:
                scope["route"] = inner_scope["route"]
        if streaming or start is None:
            return None
        return self._entry(start, b"".join(chunks), query, coding, inner_scope.get("route"))

    def _cacheable_start(self, message: Message) -> bool:
        if message["status"] != 200:
            return False
        for name, value in message.get("headers", ()):
            lower = name.lower()
            if lower == b"set-cookie":
                return False
            if lower == b"cache-control" and (b"no-store" in value or b"private" in value):
                return False
            if lower == b"vary" and not _vary_ok(value):
                return False
            if lower == b"content-length" and int(value) > self.max_buffer_bytes:
                return False
        return True

    def _entry(
        self,
        start: Message,
        body: bytes,
        query: tuple[tuple[str, str], ...],
        coding: str,
        route: Any,
    ) -> Entry:
        kept: list[tuple[bytes, bytes]] = []
        content_type = b""
        cache_control: bytes | None = None
        encoded = False
        for name, value in start.get("headers", ()):
            lower = name.lower()
            if lower == b"content-type":
                content_type = value
            elif lower == b"content-encoding":
                encoded = True
            elif lower == b"cache-control":
                cache_control = value
            if lower not in _REPLACED:
                kept.append((lower, value))
        digest = hashlib.blake2b(body, digest_size=16)
        digest.update(b"\0" + content_type)
        if coding != "identity" and not encoded and len(body) >= COMPRESS_MIN_BYTES:
            if _compressible(content_type):
                packed = compress(body, coding)
                if len(packed) < len(body):
                    body = packed
                    kept.append((b"content-encoding", coding.encode()))
                else:
                    coding = "identity"
            else:
                coding = "identity"
        else:
            coding = "identity"
        etag = f'"{digest.hexdigest()}{_CODING_SUFFIX[coding]}"'.encode()
        if cache_control is None:
            pinned = any(name == "edition" and value for name, value in query)
            cache_control = IMMUTABLE if pinned else self.short_cache_control
        kept += [
            (b"content-length", str(len(body)).encode()),
            (b"etag", etag),
            (b"cache-control", cache_control),
            (b"vary", VARY),
        ]
        headers_304 = [(n, v) for n, v in kept if n not in _NOT_IN_304]
        size = len(body) + sum(len(n) + len(v) for n, v in kept) * 2 + 256
        return Entry(
            etag=etag,
            size=size,
            ok=(200, kept, body, route),
            ok_head=(200, kept, b"", route),
            not_modified=(304, headers_304, b"", route),
        )

    def _put(self, key: str, entry: Entry) -> None:
        if entry.size > self.max_entry_bytes:
            return
        self._store[key] = entry
        self.bytes += entry.size
        while self.bytes > self.max_bytes:
            _, old = self._store.popitem(last=False)
            self.bytes -= old.size
            self.stats.evictions += 1


def _vary_ok(value: bytes) -> bool:
    """Only headers that are part of the key may vary a cached answer (Origin: CORS)."""
    return all(
        token.strip().lower() in (b"accept", b"accept-encoding", b"origin", b"")
        for token in value.split(b",")
    )
