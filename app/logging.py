"""Log configuration, in one place: JSON lines in production, readable lines in development.

structlog loggers (the access log, app.errors) and the standard library's (uvicorn, alembic)
end up on stdout in the same format, and every line written while a request is being
answered carries that request's id.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from app.config import Settings
from app.observability import AccessLog, Record, request_id_var

_HANDLER_NAME = "nato-api"


class _Stdout:
    """Writes to whatever sys.stdout is at the time (test runners swap it)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


# A write of at most PIPE_BUF bytes to a pipe is atomic (POSIX): chunks of this size from
# several workers sharing one stdout never interleave mid-line.
CHUNK_BYTES = 4096
_DURATION, _ID, _END = b'"duration_ms":', b',"request_id":"', b'"}\n'
# Durations under a millisecond (most cache hits), rendered once: 0.000 ... 0.999.
_SUB_MS = [b"0.%03d" % us for us in range(1000)]


def access_logger(settings: Settings) -> AccessLog | None:
    """The access log's writer for `settings` (None when NATO_ACCESS_LOG is off)."""
    if not settings.access_log:
        return None
    if settings.environment != "production":
        return ReadableAccessLog()
    return JsonAccessLog()


class ReadableAccessLog:
    """Development: a structlog line per request."""

    def __init__(self) -> None:
        self._log = structlog.get_logger("app.access")

    def write(self, records: Sequence[Record]) -> None:
        for method, path, route, status, started, finished, request_id in records:
            self._log.info(
                "request",
                method=method,
                path=path,
                route=route,
                status=status,
                duration_ms=round((finished - started) * 1000, 3),
                request_id=request_id.decode(),
            )


class JsonAccessLog:
    """Production: one JSON line per request, with the keys structlog's JSON lines have.

    It is written for every request, cache hits included, so it skips structlog's processor
    chain, renders the fields a repeated request shares (method, path, route, status) once,
    and writes a batch of lines (observability.Metrics hands them over) in a few writes of at
    most CHUNK_BYTES: a write per line (stdout is unbuffered in containers) took about half
    of a cache hit's time. The timestamp is the time the answer was sent, to the millisecond.
    An access line may follow the error lines of a later request; all carry a request id.
    """

    def __init__(self) -> None:
        # The per-request fields are numbers, the timestamp and a request id of safe
        # characters only (observability checks incoming ids), appended without escaping.
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


def add_request_id(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def _json(event: EventDict, **_kw: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the standard library's root logger for `settings`."""
    production = settings.environment == "production"
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    shared: list[Processor] = [
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_id,
    ]
    renderer: Processor
    if production:
        renderer = structlog.processors.JSONRenderer(serializer=_json)
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=_Stdout()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_Stdout())
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn installs its own handlers unless told not to; send its records through ours.
    # Its access log is replaced by ours (app.access, with route, duration and request id).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = name != "uvicorn.access"
