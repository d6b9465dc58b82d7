"""A stored answer: its ETag, compression and headers, and the 304 that conditional requests get.

- Stored: 200 answers only, never one with Set-Cookie, `Cache-Control: no-store` or
  `private`, or a Vary on headers the cache does not key on (`storable`).
- ETag: strong, per representation: BLAKE2b of the identity body and its media type,
  suffixed by the coding (RFC 9110 8.8.3).
- Compression: bodies of at least 1 KiB of a textual type, with brotli or gzip (the coding
  the cache chose from Accept-Encoding), kept only when smaller.
- Headers: the route's own, then Content-Length, ETag, Cache-Control (the route's, else
  the cache's default), `Vary: Accept, Accept-Encoding, Origin`, `Accept-Ranges: bytes`
  (every stored answer answers a Range, app.edge.ranges) and Last-Modified (when the
  dataset was loaded, unless the route set its own); a 304 leaves out the representation
  metadata (RFC 9110 15.4.5).
- Conditionals: `If-None-Match` is compared weakly (RFC 9110 13.1.2, `etag_matches`);
  `If-Modified-Since` is evaluated only when `If-None-Match` is absent (RFC 9110 13.1.3,
  `unmodified_since`).
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import brotli
from starlette.types import Message, Send

# Origin: the CORS headers in a stored answer depend on it (and the cache key includes it).
VARY = b"Accept, Accept-Encoding, Origin"
COMPRESS_MIN_BYTES = 1024
# The budget counts what an entry really holds (issue 23: small entries cost 5.5x what was
# counted). Bytes of Python objects per stored header and per entry, from tracemalloc.
_HEADER_OVERHEAD = 150
_ENTRY_OVERHEAD = 200
_TRIM_BELOW = 64 * 1024
# Response headers replaced by those made here.
_REPLACED = frozenset({b"content-length", b"etag", b"vary", b"cache-control", b"accept-ranges"})
# Representation metadata a 304 leaves out (RFC 9110 15.4.5).
_NOT_IN_304 = frozenset(
    {b"content-type", b"content-length", b"content-encoding", b"content-disposition"}
)
_COMPRESSIBLE = (
    b"text/",
    b"application/json",
    b"application/problem+json",
    b"application/x-ndjson",
    b"application/javascript",
    b"application/xml",
    b"application/vnd.sqlite3",
    b"image/svg+xml",
)
_CODING_SUFFIX = {"br": "-br", "gzip": "-gz", "identity": ""}

Hit = tuple[int, list[tuple[bytes, bytes]], bytes | memoryview, Any]
"""An answer ready to send: (status, headers, body, route). Outer layers must not change the
header list in place (it is the stored one)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored representation, with its answers prebuilt: a hit allocates nothing."""

    etag: bytes
    size: int
    # Last-Modified as POSIX seconds, for If-Modified-Since; None when the answer has none.
    modified: int | None
    ok: Hit
    ok_head: Hit
    not_modified: Hit


def storable(start: Message, max_bytes: int) -> bool:
    """Whether the answer that `start` begins may be stored (see the module docstring), and
    declares no more than `max_bytes` of body."""
    if start["status"] != 200:
        return False
    for name, value in start.get("headers", ()):
        lower = name.lower()
        if lower == b"set-cookie":
            return False
        if lower == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
        if lower == b"vary" and not _vary_ok(value):
            return False
        if lower == b"content-length" and int(value) > max_bytes:
            return False
    return True


def make_entry(
    start: Message,
    body: bytes,
    *,
    coding: str,
    cache_control: bytes,
    route: Any,
    last_modified: bytes | None = None,
) -> Entry:
    """The entry of a 200 answer (its start message and identity body), compressed with
    `coding` when worth it; `cache_control` and `last_modified` (an HTTP date) apply unless
    the route set its own."""
    kept: list[tuple[bytes, bytes]] = []
    content_type = b""
    own_cache_control: bytes | None = None
    encoded = False
    for name, value in start.get("headers", ()):
        lower = name.lower()
        if lower == b"content-type":
            content_type = value
        elif lower == b"content-encoding":
            encoded = True
        elif lower == b"cache-control":
            own_cache_control = value
        elif lower == b"last-modified":
            last_modified = value
        if lower not in _REPLACED and lower != b"last-modified":
            kept.append((lower, value))
    if len(body) < _TRIM_BELOW:
        # The renderer's buffer may be larger than its bytes (orjson's: 4 KB for a 20-byte
        # answer); an exact copy is what stays stored.
        body = bytes(memoryview(body))
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
    kept += [
        (b"content-length", str(len(body)).encode()),
        (b"etag", etag),
        (b"cache-control", cache_control if own_cache_control is None else own_cache_control),
        (b"vary", VARY),
        (b"accept-ranges", b"bytes"),
    ]
    if last_modified is not None:
        kept.append((b"last-modified", last_modified))
    headers_304 = [(n, v) for n, v in kept if n not in _NOT_IN_304]
    # What the entry holds in memory, measured with tracemalloc (bench/attacks_edge.py,
    # entry_memory): the body, each header in two lists (tuples and bytes objects), and the
    # entry's own objects (three answers, the Entry, its place in the store and key memo).
    size = (
        len(body)
        + sum(len(n) + len(v) for n, v in kept) * 2
        + len(kept) * _HEADER_OVERHEAD
        + _ENTRY_OVERHEAD
    )
    return Entry(
        etag=etag,
        size=size,
        modified=_seconds(last_modified),
        ok=(200, kept, body, route),
        ok_head=(200, kept, b"", route),
        not_modified=(304, headers_304, b"", route),
    )


# A stored body is sent in slices of the one stored bytes (memoryviews, never copies), one at
# a time as the client takes them: a connection that stalls holds at most one slice in its
# write buffer, not its own copy of the whole answer (issue 23: 11 MB per stalled reader).
SEND_SLICE = 256 * 1024


async def send_body(send: Send, body: bytes | memoryview) -> None:
    """The body messages of `body`: one, or memoryview slices of SEND_SLICE bytes."""
    if len(body) <= SEND_SLICE:
        await send({"type": "http.response.body", "body": body})
        return
    view = memoryview(body)
    for start in range(0, len(body), SEND_SLICE):
        stop = start + SEND_SLICE
        await send(
            {"type": "http.response.body", "body": view[start:stop], "more_body": stop < len(body)}
        )


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        # Quality 5: most of quality 11's gain at a small fraction of its CPU cost.
        return bytes(brotli.compress(body, quality=5))
    # mtime=0: the same body always gives the same bytes, so ETags agree across workers.
    return gzip.compress(body, compresslevel=6, mtime=0)


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


def unmodified_since(if_modified_since: bytes, modified: int | None) -> bool:
    """Whether an answer last modified at `modified` (POSIX seconds) is unchanged since the
    If-Modified-Since date (RFC 9110 13.1.3); an invalid date is ignored."""
    since = _seconds(if_modified_since)
    return modified is not None and since is not None and modified <= since


def _seconds(http_date: bytes | None) -> int | None:
    if http_date is None:
        return None
    try:
        return int(parsedate_to_datetime(http_date.decode("latin-1")).timestamp())
    except (TypeError, ValueError, OverflowError, IndexError):
        # Unparsable, or out of datetime's range (year 99999999999): ignored (issue 23).
        return None


def _compressible(content_type: bytes) -> bool:
    return content_type.lower().startswith(_COMPRESSIBLE)


def _vary_ok(value: bytes) -> bool:
    """Only headers that are part of the key may vary a cached answer (Origin: CORS)."""
    return all(
        token.strip().lower() in (b"accept", b"accept-encoding", b"origin", b"")
        for token in value.split(b",")
    )
