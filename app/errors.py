"""The AppError family and every problem+json (RFC 9457) handler, in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("app.errors")


class AppError(Exception):
    """An error a client can act on; becomes a problem+json response (RFC 9457)."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(AppError):
    status, title, slug = 400, "Bad request", "bad-request"


class UnknownParameter(AppError):
    status, title, slug = 400, "Unknown query parameter", "unknown-parameter"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class NotAcceptable(AppError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class Unprocessable(AppError):
    status, title, slug = 422, "Unprocessable request", "unprocessable"


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


# The title and slug of a problem about invalid parameters (pydantic's validation errors).
INVALID_PARAMETERS = ("Invalid request parameters", "invalid-parameters")

# How long a client is asked to wait before retrying a 503 (RFC 9110, section 10.2.3).
RETRY_AFTER_SECONDS = 5


def problem(
    instance: str,
    *,
    status: int,
    title: str,
    detail: str,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The one error shape of this API: type, title, status, detail, instance (the path),
    extras. Handlers below and the edge's guards (before routing) both answer with it."""
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.status == 503 else None
    return problem(
        request.url.path,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        slug=exc.slug,
        headers=retry,
        **exc.extra,
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "header", "body")]
    return ".".join(parts) or "request"


def parameter_errors(
    errors: Iterable[Mapping[str, Any]], default_in: str = "query"
) -> tuple[str, list[dict[str, Any]]]:
    """The detail and the `errors` of a problem about invalid parameters, from pydantic's
    errors: a REST request's query and path parameters, or an MCP tool's arguments
    (app/mcp), which so carry the same detail for the same value."""
    entries = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        where = loc[0] if loc and loc[0] in ("query", "path", "header", "body") else default_in
        entry = {"parameter": _location(loc), "in": where, "message": err.get("msg", "invalid")}
        if "input" in err and isinstance(err["input"], str | int | float | bool):
            entry["input"] = err["input"]
        entries.append(entry)
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in entries)
    return f"Fix these parameters: {detail}", entries


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail, errors = parameter_errors(exc.errors())
    return problem(
        request.url.path,
        status=422,
        title=INVALID_PARAMETERS[0],
        detail=detail,
        slug=INVALID_PARAMETERS[1],
        errors=errors,
    )


_HTTP_DETAILS = {
    404: "No such resource. See /docs for the list of paths.",
    405: "This API is read-only: use GET (or HEAD).",
}


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    generic = _HTTP_DETAILS.get(status)
    if generic and detail in ("Not Found", "Method Not Allowed"):
        detail = generic
    title = {404: "Not found", 405: "Method not allowed"}.get(status, detail)
    headers = dict(exc.headers) if exc.headers else {}
    if status == 405:
        # Every path of this API answers GET and HEAD (HEAD is served as a bodiless GET).
        headers["Allow"] = "GET, HEAD"
    return problem(
        request.url.path, status=status, title=title, detail=detail, headers=headers or None
    )


def _database_error(request: Request, exc: Exception) -> Response:
    # The database is unreachable, failing or its pool exhausted: the client can retry;
    # details stay in the log.
    log.warning("database_error", path=request.url.path, error=type(exc).__name__)
    return problem(
        request.url.path,
        status=503,
        title="Service unavailable",
        detail="The database is not answering; retry in a few seconds.",
        slug="unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    # Never leak internals: log the trace server-side, answer with a stable shape.
    log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
    return problem(
        request.url.path,
        status=500,
        title="Internal server error",
        detail="The server failed to answer this request; it has been logged.",
        slug="internal-error",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the error statuses a route can answer."""
    descriptions = {
        400: "Unknown or conflicting query parameter",
        404: "No such resource",
        406: "Unsupported Accept header",
        413: "A request body (this API takes none)",
        414: "URL too long",
        416: "Range past the end of the download",
        422: "Invalid parameter value",
        431: "Request headers too large or too many",
        503: "Busy or database unavailable: retry after the Retry-After seconds",
    }
    return {
        status: {
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
