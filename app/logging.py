"""Log configuration, in one place: JSON lines in production, readable lines in development.

structlog loggers (app.errors), the standard library's (uvicorn, alembic) and the access log
(app.edge.access_log writes the same formats itself, a batch at a time) end up on stdout,
and every line written while a request is being answered carries that request's id.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from app.config import Settings
from app.edge.access_log import JsonAccessLog, ReadableAccessLog
from app.edge.front import request_id_var
from app.edge.metrics import AccessLog

_HANDLER_NAME = "nato-api"


class _Stdout:
    """Writes to whatever sys.stdout (or sys.stderr) is at the time (test runners swap it)."""

    def __init__(self, name: Literal["stdout", "stderr"] = "stdout") -> None:
        self.name = name

    def write(self, text: str) -> int:
        return int(getattr(sys, self.name).write(text))

    def flush(self) -> None:
        getattr(sys, self.name).flush()


def _level(settings: Settings) -> int:
    return logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)


def access_logger(settings: Settings) -> AccessLog | None:
    """The access log's writer for `settings` (None when NATO_ACCESS_LOG is off)."""
    if not settings.access_log:
        return None
    if settings.environment != "production":
        # Development lines are info lines like structlog's: NATO_LOG_LEVEL above INFO hides them.
        return ReadableAccessLog() if _level(settings) <= logging.INFO else None
    return JsonAccessLog()


def add_request_id(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def _json(event: EventDict, **_kw: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def configure_logging(settings: Settings, stream: Literal["stdout", "stderr"] = "stdout") -> None:
    """Configure structlog and the standard library's root logger for `settings`, writing to
    standard output (`nato-api mcp` writes to standard error: its output is the protocol)."""
    production = settings.environment == "production"
    level = _level(settings)
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
        logger_factory=structlog.WriteLoggerFactory(file=_Stdout(stream)),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_Stdout(stream))
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
