"""The response cache: answers repeated GET/HEAD requests from memory, as one pure-ASGI layer.

Every GET/HEAD response is a function of (path, normalized query, Accept, content coding,
Host, Origin, dataset version); the data only changes when the seed runs. So this
layer wraps the FastAPI application itself and answers repeats from memory: a hit never
enters FastAPI's middleware, routing or validation.

- Key: path; query parameters sorted by name (a repeated parameter keeps its order); the
  media ranges of Accept that meet some offer of the API, in preference order
  (app.edge.keys.AcceptKey; `?format=` is part of the query; the format it negotiates to
  differs by route, so it cannot stand in for it); the coding chosen from Accept-Encoding
  (br, gzip or identity); Origin as CORS sees it (a CORS answer is never served to another
  origin); the Host, lower-cased, only on `host_paths` (the routes that write absolute URLs,
  app.edge.guards.base_url): an answer that used the Host elsewhere is served, not stored.
  Junk Accept and Host values share one entry (issue 23); the dataset version.
- Stored: answers to GET/HEAD that app.edge.representation.storable allows (200s without
  Set-Cookie, no-store, private or a Vary on other headers). A Range request is answered
  from the same entry, not by `lookup`: the range app.edge.ranges cuts from it, or whole.
  If-None-Match, else If-Modified-Since (against the dataset's load time, the Last-Modified
  of every stored answer), makes a 304. Errors pass through. Probes (/healthz, /readyz,
  /metrics) are never cached. Routes whose body depends on any other request header must
  answer `Cache-Control: no-store`.
- Budget: an LRU bounded by `cache_max_bytes`, counting what each entry holds in memory
  (keys, bodies, headers and their Python objects: app.edge.representation); one entry may take
  at most a quarter of it. Origin enters the key as CORS sees it (one key for every origin
  when all are allowed, one for all it refuses). A miss for a key being rendered waits for
  that answer (single flight). With a budget of 0 nothing is stored, but ETags, 304 and compression
  still apply.
- Dataset version: re-read with the reader app.main hands over (one indexed row, in a
  worker thread) at most every `cache_version_check_seconds`; a new version empties the
  cache, so a re-seed is served without a restart. While the version cannot be read,
  requests pass through.
- Answers: what is stored, and how ETags, 304 and compression are made, is
  app.edge.representation's (a body of OFFLOAD_BYTES or more is hashed and compressed in a
  worker thread, never on the event loop; sent in slices of the stored bytes, `send_body`);
  the Cache-Control it applies unless the route set its own is
  `public, max-age=31536000, immutable` when the route declared its answer pinned to editions
  (app.edge.pinned: the edition-rule dependency does when `edition=` is given), else
  `public, max-age=<cache_max_age>`. The cache never guesses it from a parameter's name.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.edge.guards import HOST_USED
from app.edge.keys import AcceptKey, Key, RawKey, normalize_query, raw_key
from app.edge.negotiation import Offer, choose_coding
from app.edge.pinned import IMMUTABLE, PINNED
from app.edge.ranges import answer_range
from app.edge.representation import (
    Entry,
    Hit,
    etag_matches,
    make_entry,
    send_body,
    storable,
    unmodified_since,
)
from app.edge.version import VersionProbe

# Probes, and the MCP endpoint (POST; a GET there is never an answer to store).
NO_CACHE_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/mcp"})
# Request headers stripped before a miss reaches the application: the cache answers
# conditionals and compresses, so the application always renders the full identity body.
_STRIPPED = frozenset(
    {
        b"if-none-match",
        b"if-modified-since",
        b"if-match",
        b"if-unmodified-since",
        b"if-range",
        b"range",
        b"accept-encoding",
    }
)
_MEMO_MAX = 4096
# Bodies of this size and more are hashed and compressed in a worker thread.
OFFLOAD_BYTES = 64 * 1024
COMPRESS_THREADS = 2
_COMPRESSORS = ThreadPoolExecutor(COMPRESS_THREADS, thread_name_prefix="compress")
_MEMO_MAX_RAW_BYTES = 1024


async def send_hit(hit: Hit, scope: Scope, send: Send) -> None:
    status, headers, body, route = hit
    if route is not None:
        # Outer layers label metrics and logs with the route of the answer.
        scope["route"] = route
    await send({"type": "http.response.start", "status": status, "headers": [*headers]})
    await send_body(send, body)


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    not_modified: int = 0
    evictions: int = 0
    invalidations: int = 0


class ResponseCache:
    """Pure-ASGI response cache around `app` (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        *,
        read_version: Callable[[], str | None],
        last_modified: Callable[[str], bytes | None] | None = None,
        offers: Iterable[Offer] | None = None,
        host_paths: Iterable[str] = (),
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
        # The Last-Modified of a dataset version's answers (an HTTP date: when it was loaded).
        self._last_modified = last_modified or (lambda version: None)
        self._version: str | None = None
        # time.perf_counter() until which the stored answers are known to be of the current
        # dataset version; 0: the version must be read first (see __call__).
        self._fresh_until = 0.0
        self._keys: dict[RawKey, Key] = {}
        self._accept_key = AcceptKey(offers)
        self._host_paths = frozenset(host_paths)
        self._any_origin = "*" in settings.cors_origins
        self._allowed_origins = frozenset(o.encode("latin-1") for o in settings.cors_origins)
        # Answers being rendered, by (dataset version, key): what a miss for the same key
        # waits for instead of rendering it again.
        self._flights: dict[tuple[str, str], asyncio.Future[Entry | None]] = {}

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
        if b"if-none-match" not in headers and b"if-modified-since" not in headers:
            # the common case, without a call
            return entry.ok if scope["method"] == "GET" else entry.ok_head
        return self._hit(entry, scope["method"] == "HEAD", headers)

    def _hit(self, entry: Entry, head: bool, headers: dict[bytes, bytes]) -> Hit:
        """The 304 when a conditional holds (If-None-Match, else If-Modified-Since: RFC 9110
        13.2.2), else the whole answer."""
        if_none_match = headers.get(b"if-none-match")
        if if_none_match is not None:
            unchanged = if_none_match == entry.etag or etag_matches(if_none_match, entry.etag)
        else:
            since = headers.get(b"if-modified-since")
            unchanged = since is not None and unmodified_since(since, entry.modified)
        if unchanged:
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
        probe = self._probe
        version = await probe.current()
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
        flight = self._flights.get((version, key.id))
        if entry is not None:  # stored, but the version had to be re-read first
            self._store.move_to_end(key.id)
            self.stats.hits += 1
        elif flight is not None and (shared := await asyncio.shield(flight)) is not None:
            # The same answer was being rendered: wait for it rather than render it again.
            self.stats.hits += 1
            entry = shared
        else:
            entry = await self._render(scope, receive, send, key, version)
            if entry is None:
                return  # already answered: not cacheable
        head = scope["method"] == "HEAD"
        hit = self._hit(entry, head, headers)
        if b"range" in headers and hit is not entry.not_modified:
            hit = answer_range(entry, headers, scope["path"], head) or hit
        await send_hit(hit, scope, send)

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, key: Key, version: str
    ) -> Entry | None:
        """A miss: render the answer once for every request of the same key that arrives
        meanwhile (single flight: 64 identical cold requests make one query, issue 12)."""
        self.stats.misses += 1
        flight: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._flights[version, key.id] = flight
        entry = shared = None

        def streaming() -> None:
            # Not cacheable, streamed as it comes: nobody waits for it. Waiting held every
            # other request of the key for as long as this client took to read (issue 23:
            # forever, for one that stopped reading).
            if self._flights.get((version, key.id)) is flight:
                del self._flights[version, key.id]
            if not flight.done():
                flight.set_result(None)

        try:
            entry = await self._fill(scope, receive, send, key.coding, version, streaming)
            # Rendered with the Host where the key has none: for this request only.
            shared = None if scope.get(HOST_USED) and not self._host_keyed(scope) else entry
            if shared is not None and version == self._version:
                # Not rendered before a re-seed that emptied the store.
                self._put(key.id, shared)
        finally:
            if self._flights.get((version, key.id)) is flight:
                del self._flights[version, key.id]
            # None (not cacheable, or failed): each waiter renders its own answer.
            if not flight.done():
                flight.set_result(shared)
        return entry

    def _host_keyed(self, scope: Scope) -> bool:
        return scope["path"] in self._host_paths

    def _key(self, raw: RawKey) -> Key:
        """The normalized key of a request's raw (path, query, headers), memoised."""
        path, query_string, accept, accept_encoding, host, origin = raw
        query = normalize_query(query_string)
        coding = choose_coding(accept_encoding.decode("latin-1"))
        # What of Accept meets an offer, not the format it negotiates to: routes negotiate
        # differently (an SVG chart refuses application/json, a list answers it).
        media = self._accept_key(accept.decode("latin-1"))
        host = host.lower() if path in self._host_paths else b""
        # One str: its hash is computed once and cached by the interpreter.
        ident = repr((path, query, media, coding, host, self._origin(origin)))
        key = Key(ident, query, coding)
        if sum(map(len, raw)) > _MEMO_MAX_RAW_BYTES:
            return key  # odd requests are not memoised: the memo stays a few MB at most
        if len(self._keys) >= _MEMO_MAX:
            self._keys.clear()
        self._keys[raw] = key
        return key

    def _origin(self, origin: bytes) -> bytes:
        """What CORS makes of an Origin: the answer is the same for every origin when all
        are allowed, and for every origin it refuses, so these share one key (issue 12: each
        Origin made a key of its own)."""
        if not origin:
            return b""
        if self._any_origin:
            return b"*"
        return origin if origin in self._allowed_origins else b"(refused)"

    # --- a miss: run the application, keep what may be kept --------------------------------

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        coding: str,
        version: str,
        on_stream: Callable[[], None],
    ) -> Entry | None:
        """Run the application for a GET of the same URL; return the entry to serve, or None
        when the response was not cacheable (then it has been sent as it came, and
        `on_stream` called when that was known)."""
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
                if not storable(message, self.max_buffer_bytes):
                    streaming = True
                    on_stream()
                    await forward(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                buffered += len(chunks[-1])
                if buffered > self.max_buffer_bytes:
                    # Too big to buffer: send what we have and stream the rest unchanged.
                    streaming = True
                    on_stream()
                    assert start is not None
                    await forward(start)
                    for chunk in chunks[:-1]:
                        await forward(
                            {"type": "http.response.body", "body": chunk, "more_body": True}
                        )
                    await forward({**message, "body": chunks[-1]})
                    chunks.clear()
            else:
                await send(message)

        try:
            await self.app(inner_scope, receive, capture)
        finally:
            # The router notes the matched route in the scope; outer layers label metrics and
            # logs with it, so hand it back from the copy.
            if "route" in inner_scope:
                scope["route"] = inner_scope["route"]
            if HOST_USED in inner_scope:
                scope[HOST_USED] = True
        if streaming or start is None:
            return None
        pinned = bool(inner_scope.get(PINNED))
        build = partial(
            make_entry,
            start,
            b"".join(chunks),
            coding=coding,
            cache_control=IMMUTABLE if pinned else self.short_cache_control,
            route=inner_scope.get("route"),
            last_modified=self._last_modified(version),
        )
        if buffered < OFFLOAD_BYTES:
            return build()
        # Hashing and compressing a large body takes tens to hundreds of milliseconds (brotli
        # of the 11 MB SQLite file: 265 ms of /healthz p50, issue 23): off the event loop, at
        # most COMPRESS_THREADS at once; single flight makes it once per representation.
        return await asyncio.get_running_loop().run_in_executor(_COMPRESSORS, build)

    def _put(self, key: str, entry: Entry) -> None:
        # The key counts in the budget too: it holds the URL and request headers.
        if entry.size + len(key) > self.max_entry_bytes or key in self._store:
            return
        self._store[key] = entry
        self.bytes += entry.size + len(key)
        while self.bytes > self.max_bytes:
            old_key, old = self._store.popitem(last=False)
            self.bytes -= old.size + len(old_key)
            self.stats.evictions += 1
