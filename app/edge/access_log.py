"""The access-log writers: a batch of answered requests becomes lines on stdout in few writes.

Both write every request, cache hits included, so neither goes through structlog's
processor chain per line: the fields a repeated request shares are rendered once, and a
batch (app.edge.metrics.Metrics hands them over) goes out in a few writes of at most
CHUNK_BYTES. A write per line (stdout is unbuffered in containers) took about half of a
cache hit's time. Each line is stamped with the time its answer was sent. An access line
may follow the error lines of a later request; all carry a request id.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import orjson

from app.edge.metrics import Record

# A write of at most PIPE_BUF bytes to a pipe is atomic (POSIX): chunks of this size from
# several workers sharing one stdout never interleave mid-line.
CHUNK_BYTES = 4096
_DURATION, _ID, _END = b'"duration_ms":', b',"request_id":"', b'"}\n'
# Durations under a millisecond (most cache hits), rendered once: 0.000 ... 0.999.
_SUB_MS = [b"0.%03d" % us for us in range(1000)]


# ConsoleRenderer(colors=False)'s level column (padded to the longest level name) and event
# column (padded to 30): app.logging's development renderer, which tests/test_access_log.py
# checks this against.
_READABLE_HEAD = "[info     ] request                        duration_ms="
# ConsoleRenderer quotes (repr) a string holding any of these.
_QUOTED = frozenset(" \t=\r\n\"'")


def _readable(text: str) -> str:
    return repr(text) if _QUOTED.intersection(text) else text


class ReadableAccessLog:
    """Development: the line structlog's ConsoleRenderer prints for the event "request" with
    method, path, route, status, duration_ms and request_id, written a batch at a time."""

    def __init__(self) -> None:
        self._middles: dict[tuple[str, str, str, int], tuple[str, str]] = {}

    def write(self, records: Sequence[Record]) -> None:
        to_wall = time.time() - time.perf_counter()
        second, stamp = -1, ""
        middles = self._middles
        parts: list[str] = []
        for method, path, route, status, started, finished, request_id in records:
            wall = finished + to_wall
            if int(wall) != second:
                second = int(wall)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            shared = (method, path, route, status)
            middle, tail = middles.get(shared) or self._middle(shared)
            duration = round((finished - started) * 1000, 3)
            parts.append(
                f"{stamp}.{int((wall - second) * 1_000_000):06d}Z {_READABLE_HEAD}"
                f"{duration!r}{middle}{request_id.decode()}{tail}"
            )
        _write_lines("".join(parts).encode())

    def _middle(self, shared: tuple[str, str, str, int]) -> tuple[str, str]:
        method, path, route, status = shared
        pair = (
            f" method={_readable(method)} path={_readable(path)} request_id=",
            f" route={_readable(route)} status={status}\n",
        )
        if len(self._middles) >= 4096:  # paths are the client's choice: keep this bounded
            self._middles.clear()
        self._middles[shared] = pair
        return pair


class JsonAccessLog:
    """Production: one JSON line per request, with the keys structlog's JSON lines have and
    the timestamp to the millisecond."""

    def __init__(self) -> None:
        # The per-request fields are numbers, the timestamp and a request id of safe
        # characters only (the front door checks incoming ids), appended without escaping.
        self._prefixes: dict[tuple[str, str, str, int], bytes] = {}

    def write(self, records: Sequence[Record]) -> None:
        to_wall = time.time() - time.perf_counter()
        # The millisecond of the current timestamp, in perf_counter time: many requests end
        # in the same one.
        ms_start = ms_end = -1.0
        timestamp = b""
        prefixes = self._prefixes
        parts: list[bytes] = []
        for method, path, route, status, started, finished, request_id in records:
            if not ms_start <= finished < ms_end:
                millisecond = int((finished + to_wall) * 1000)
                ms_start = millisecond / 1000 - to_wall
                ms_end = ms_start + 0.001
                second, fraction = divmod(millisecond, 1000)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
                timestamp = f'"timestamp":"{stamp}.{fraction:03d}Z",'.encode()
            shared = (method, path, route, status)
            prefix = prefixes.get(shared) or self._prefix(shared)
            microseconds = int((finished - started) * 1_000_000)
            duration = (
                _SUB_MS[microseconds]
                if microseconds < 1000
                else b"%d.%03d" % divmod(microseconds, 1000)
            )
            parts += (prefix, timestamp, _DURATION, duration, _ID, request_id, _END)
        _write_lines(b"".join(parts))

    def _prefix(self, shared: tuple[str, str, str, int]) -> bytes:
        method, path, route, status = shared
        fields: dict[str, str | int] = {"event": "request", "level": "info"}
        fields |= {"method": method, "path": path, "route": route, "status": status}
        prefix = orjson.dumps(fields)[:-1] + b","
        if len(self._prefixes) >= 4096:  # paths are the client's choice: keep this bounded
            self._prefixes.clear()
        self._prefixes[shared] = prefix
        return prefix


def _write_lines(data: bytes) -> None:
    """Write whole lines in chunks of at most CHUNK_BYTES (a longer line goes out alone)."""
    start, end = 0, len(data)
    while start < end:
        cut = end
        if end - start > CHUNK_BYTES:
            cut = data.rfind(b"\n", start, start + CHUNK_BYTES) + 1
            if cut <= start:
                cut = data.find(b"\n", start + CHUNK_BYTES) + 1 or end
        sys.stdout.write(data[start:cut].decode())
        start = cut
    sys.stdout.flush()
