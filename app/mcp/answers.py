"""How a tool answers: one database session admitted by the app's gate, the REST answer's JSON
as structured content, and every refusal as a tool error carrying the REST problem.

- A tool body is a plain function of a session (the same report or query a REST handler
  calls), run in a worker thread once `SessionGate` admits it, as a REST request is.
- Success: `structured_content` is the response model dumped exactly as the REST answer
  (`model_dump(mode="json")`), and the text the model reads is the same JSON.
- Refusal: `is_error` with the problem's detail as text and the whole problem (RFC 9457
  fields, `instance` the tool) as structured content: an `AppError` the rules raised, an
  argument pydantic refused (`parameter_errors`, as REST's 422), an argument no tool takes
  or a NUL in a text (as REST's 400s), a database that does not answer (503).
- Anything else is the SDK's: it logs the traceback and answers a generic tool error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import anyio.to_thread
import orjson
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from app.deps import SessionGate
from app.errors import (
    INVALID_PARAMETERS,
    AppError,
    BadRequest,
    UnknownParameter,
    parameter_errors,
)

log = logging.getLogger("app.mcp")


class Work(Protocol):
    def __call__(self, session: Session) -> BaseModel: ...


def problem_body(
    tool: str, *, status: int, title: str, slug: str, detail: str, **extra: Any
) -> dict[str, Any]:
    """The REST problem's fields (app.errors.problem), `instance` naming the tool."""
    return {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": f"/mcp/tools/{tool}",
        **extra,
    }


def refused(body: Mapping[str, Any]) -> CallToolResult:
    """A tool error: the detail for the model to read, the problem for the application."""
    return CallToolResult(
        content=[TextContent(type="text", text=str(body["detail"]))],
        structured_content=dict(body),
        is_error=True,
    )


def answered(model: BaseModel) -> CallToolResult:
    """The REST answer's JSON, as structured content and as the text the model reads."""
    data = model.model_dump(mode="json")
    text = orjson.dumps(data).decode()
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _app_error(tool: str, exc: AppError) -> CallToolResult:
    return refused(
        problem_body(
            tool,
            status=exc.status,
            title=exc.title,
            slug=exc.slug,
            detail=exc.detail,
            **exc.extra,
        )
    )


def _in_session(gate: SessionGate, work: Work) -> BaseModel:
    with gate.factory() as session:
        return work(session)


async def answer(tool: str, gate: SessionGate, work: Work) -> CallToolResult:
    """Run `work` on one session of `gate` (waiting for a slot, as a REST request does)."""
    try:
        await gate.acquire()
    except AppError as exc:  # busy: ServiceUnavailable, as REST's 503
        return _app_error(tool, exc)
    try:
        model = await anyio.to_thread.run_sync(_in_session, gate, work)
    except AppError as exc:
        return _app_error(tool, exc)
    except (DBAPIError, PoolTimeout) as exc:
        log.warning("database_error tool=%s error=%s", tool, type(exc).__name__)
        return refused(
            problem_body(
                tool,
                status=503,
                title="Service unavailable",
                slug="unavailable",
                detail="The database is not answering; retry in a few seconds.",
            )
        )
    finally:
        gate.release()
    return answered(model)


def _unaccepted(arguments: Mapping[str, Any], accepted: list[str]) -> AppError | None:
    """An argument the tool does not take (as REST's unknown query parameter: a misspelt
    filter must not answer unfiltered data), or a NUL in a text (PostgreSQL text cannot hold
    it: refused as REST's check_request_shape refuses it)."""
    unknown = sorted(set(arguments) - set(accepted))
    if unknown:
        return UnknownParameter(
            f"Unknown argument(s): {', '.join(unknown)}. This tool accepts: "
            f"{', '.join(accepted) or 'no arguments'}.",
            errors=[
                {"parameter": key, "in": "arguments", "message": "unknown argument"}
                for key in unknown
            ],
        )
    with_nul = sorted(k for k, v in arguments.items() if isinstance(v, str) and "\x00" in v)
    if with_nul:
        where = ", ".join(repr(k) for k in with_nul)
        return BadRequest(f"NUL character (%00) in {where}; remove it.")
    return None


class Server(MCPServer[Any]):
    """MCPServer that refuses what REST refuses before validation (`_unaccepted`), and
    answers an argument pydantic refuses with the REST 422's detail (the SDK would answer
    pydantic's own text)."""

    _accepted: dict[str, list[str]] | None = None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Any = None
    ) -> CallToolResult | InputRequiredResult:
        if self._accepted is None:
            self._accepted = {
                tool.name: sorted(tool.input_schema.get("properties", {}))
                for tool in await self.list_tools()
            }
        accepted = self._accepted.get(name)
        refusal = None if accepted is None else _unaccepted(arguments, accepted)
        if refusal is not None:
            return _app_error(name, refusal)
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(exc, UnexpectedToolError) or not isinstance(cause, ValidationError):
                raise
            detail, errors = parameter_errors(cause.errors(), default_in="arguments")
            title, slug = INVALID_PARAMETERS
            return refused(
                problem_body(name, status=422, title=title, slug=slug, detail=detail, errors=errors)
            )


GateSource = Callable[[], SessionGate]
