"""Byte ranges (RFC 9110 14) of every stored answer: 206, 416 and If-Range.

Every answer the response cache stores offers ranges (`Accept-Ranges: bytes`): the downloads,
so that `curl -C -` resumes one, and the data answers, which object-store readers (polars,
DuckDB's httpfs) fetch as a HEAD then ranged GETs. A range is cut from the selected
representation as stored, whatever its coding (RFC 9110 14.1.2: a range applies to the
representation data, so a gzip answer's bytes are of the gzip stream); the 206 keeps every
header of the 200 (ETag, Cache-Control, Vary, Last-Modified, Content-Encoding) but the length.
Answers too big to store are streamed whole. Hand-written: Starlette supports ranges only in
FileResponse, for files on disk, and these answers are bytes in memory. One range per
request; a request for several gets the whole answer, as RFC 9110 14.2 allows.

Parsing never raises (issue 23): a position of more digits than any answer's size is read as
"past any end" before int() (which refuses 4,300 digits and more), and an If-Range date that
the email parser cannot make into a datetime, or compare, is a validator that does not match.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import orjson

from app.edge.representation import Entry, Hit

_UNSATISFIABLE = (-1, -1)
_FAR_DIGITS = 19
_FAR = 10**_FAR_DIGITS
# Headers of the 200 that a 416 leaves out: it describes no representation and is not cached.
_NOT_IN_416 = frozenset(
    {
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-disposition",
        b"etag",
        b"cache-control",
        b"last-modified",
    }
)


def answer_range(entry: Entry, headers: dict[bytes, bytes], path: str, head: bool) -> Hit | None:
    """The 206 or 416 answering `headers[b"range"]` from `entry`, or None for the whole answer
    (no ranges offered, If-Range not met, or not one byte range)."""
    _, ok_headers, body, route = entry.ok
    if (b"accept-ranges", b"bytes") not in ok_headers:
        return None
    if_range = headers.get(b"if-range")
    if if_range is not None and not _if_range_holds(if_range, entry.etag, ok_headers):
        return None
    span = parse_range(headers[b"range"], len(body))
    if span is None:
        return None
    if span == _UNSATISFIABLE:
        return _unsatisfiable(ok_headers, len(body), path, route)
    start, stop = span
    part = [(n, v) for n, v in ok_headers if n != b"content-length"]
    part += [
        (b"content-range", f"bytes {start}-{stop - 1}/{len(body)}".encode()),
        (b"content-length", str(stop - start).encode()),
    ]
    # A view of the stored body, not a copy per request (issue 23).
    return (206, part, b"" if head else memoryview(body)[start:stop], route)


def parse_range(value: bytes, size: int) -> tuple[int, int] | None:
    """(start, stop) of a one-range `bytes=` header over `size` bytes, stop exclusive;
    _UNSATISFIABLE when it starts past the end; None when it is not one valid byte range."""
    unit, _, spec = value.partition(b"=")
    first, dash, last = spec.strip().partition(b"-")
    if unit.strip().lower() != b"bytes" or not dash or b"," in spec:
        return None
    if not first:  # bytes=-N: the last N bytes
        if not last.isdigit():
            return None
        length = _position(last)
        return _UNSATISFIABLE if length == 0 or size == 0 else (max(size - length, 0), size)
    if not first.isdigit() or (last and not last.isdigit()):
        return None
    start = _position(first)
    end = _position(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return _UNSATISFIABLE
    return start, min(end, size - 1) + 1


def _position(digits: bytes) -> int:
    """A byte position of ASCII digits; beyond _FAR, _FAR (past the end of any answer)."""
    digits = digits.lstrip(b"0") or b"0"
    return int(digits) if len(digits) < _FAR_DIGITS else _FAR


def _if_range_holds(if_range: bytes, etag: bytes, ok_headers: list[tuple[bytes, bytes]]) -> bool:
    """If-Range (RFC 9110 13.1.5): an entity tag matches strongly (never a weak one); a date
    matches the Last-Modified exactly."""
    value = if_range.strip()
    if value.startswith((b'"', b"W/")):
        return value == etag
    modified = dict(ok_headers).get(b"last-modified")
    if modified is None:
        return False
    try:
        return parsedate_to_datetime(value.decode("latin-1")) == parsedate_to_datetime(
            modified.decode("latin-1")
        )
    except (TypeError, ValueError, OverflowError, IndexError):
        # Unparsable, or out of datetime's range (year 99999999999): no match.
        return False


def _unsatisfiable(
    ok_headers: list[tuple[bytes, bytes]], size: int, path: str, route: object
) -> Hit:
    body = orjson.dumps(
        {
            "type": "/problems/range-not-satisfiable",
            "title": "Range not satisfiable",
            "status": 416,
            "detail": f"The range starts past the end: this answer has {size} bytes "
            f"(bytes 0-{size - 1}).",
            "instance": path[:200],
        }
    )
    kept = [(n, v) for n, v in ok_headers if n not in _NOT_IN_416]
    kept += [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"content-range", f"bytes */{size}".encode()),
    ]
    return (416, kept, body, route)
