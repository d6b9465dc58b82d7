"""The OpenAPI document: info, servers and tags, and what each operation really answers (media
types, headers, statuses), declared once here on top of what FastAPI derives from the routes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from app import __license__
from app.edge.cache import NO_CACHE_PATHS
from app.errors import problem_responses
from app.formats.registry import OTHER_FORMATS, TWINS, listed, twin_of
from app.formats.routes import get_format
from app.schemas import Problem

# Every tag an operation uses, in the order the docs list them (Redocly and Spectral want each
# one declared and described).
TAGS: list[dict[str, str]] = [
    {"name": "observations", "description": "Per-ally figures, each with its edition and source."},
    {"name": "allies", "description": "The 32 allies and each ally's figures."},
    {"name": "indicators", "description": "What each figure measures, and its unit."},
    {"name": "editions", "description": "NATO's report editions: dates, price base, definition."},
    {"name": "sources", "description": "Where each figure was read from, with a trust rating."},
    {"name": "compliance", "description": "Who meets a threshold (2% of GDP or any other)."},
    {
        "name": "pathways",
        "description": "Each ally's path to a share-of-GDP target by a deadline (3.5% by 2035).",
    },
    {"name": "totals", "description": "NATO totals: published aggregates beside computed sums."},
    {"name": "revisions", "description": "How figures changed from one edition to the next."},
    {"name": "claims", "description": "Check a claimed figure or count against every edition."},
    {"name": "quotes", "description": "Attributed quotes, verbatim, with their sources."},
    {"name": "charts", "description": "SVG charts drawn from the same figures as the JSON."},
    {"name": "export", "description": "The whole dataset in one download (zip or SQLite)."},
    {"name": "meta", "description": "The loaded dataset: version, row counts, editions."},
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
]
# Relative: the document is served by the API it describes, wherever that is deployed.
SERVERS = [{"url": "/", "description": "The server that serves this document"}]
CONTACT = {"name": "NATO defence expenditure API maintainers"}
# The code's licence (pyproject.toml). The figures are NATO's and their publishers' (each
# figure names its source); NATO has given them no licence, so none is claimed here.
LICENSE = {"name": __license__, "identifier": __license__}

# What a collection's 200 answers besides JSON, and its twin operations: the registry's.
COLLECTION_FORMATS: dict[str, str] = {spec.media_type: spec.description for spec in OTHER_FORMATS}
TWIN_FORMATS = frozenset(spec.media_type for spec in TWINS)
# Declared as binary strings, not text (xlsx).
BINARY_FORMATS = frozenset(spec.media_type for spec in OTHER_FORMATS if spec.binary)

HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "Strong validator of this representation: send it back in "
        "`If-None-Match` to get a 304 while the dataset is unchanged.",
        "schema": {"type": "string", "examples": ['"f014ea1a8686bf3139b0665cf5e3edb9-br"']},
    },
    "Cache-Control": {
        "description": "`public, max-age=31536000, immutable` when the query pins `edition=`, "
        "else `public` with a short `max-age`.",
        "schema": {"type": "string", "examples": ["public, max-age=60"]},
    },
    "Link": {
        "description": 'RFC 8288 pagination links (`rel="next"`, `rel="prev"`), present when '
        "there is a next or previous page.",
        "schema": {"type": "string", "examples": ['</v1/observations?offset=100>; rel="next"']},
    },
    "Content-Disposition": {
        "description": "On CSV answers and downloads: the file name to save it under "
        "(`attachment`; `inline` for images).",
        "schema": {"type": "string", "examples": ['attachment; filename="observations.csv"']},
    },
    "X-Total-Count": {
        "description": "How many items match the filters, over all pages.",
        "schema": {"type": "integer", "examples": [403]},
    },
    "Accept-Ranges": {
        "description": "`bytes`: the answer answers one `Range` (resume a download with "
        "`curl -C -`; polars and DuckDB read by URL with ranged GETs).",
        "schema": {"type": "string", "examples": ["bytes"]},
    },
    "Last-Modified": {
        "description": "When the dataset was loaded; `If-Modified-Since` (when no "
        "`If-None-Match` is sent) gets a 304, `If-Range` may name it or the ETag.",
        "schema": {"type": "string", "examples": ["Mon, 30 Nov 2026 12:29:57 GMT"]},
    },
    "Content-Range": {
        "description": "The bytes of this part and the whole size (`bytes */size` on a 416).",
        "schema": {"type": "string", "examples": ["bytes 0-99/9019392"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "examples": [5]},
    },
}
# The description of the 422 FastAPI adds to an operation with parameters.
_FASTAPI_422 = "Validation Error"
# FastAPI's own 422 shape, unused once every 422 is declared as problem+json.
_UNUSED = ("HTTPValidationError", "ValidationError")


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _collections(routes: Iterable[BaseRoute]) -> tuple[set[str], set[str]]:
    """The paths of the collections (they negotiate: `get_format`) and of their twins."""
    negotiating = {
        context.path_format or ""
        for context in iter_route_contexts(list(routes))
        if isinstance(route := context.original_route, APIRoute)
        and get_format in _calls(route.dependant)
    }
    twins = {path for path in negotiating if twin_of(path) is not None}
    return negotiating - twins, twins


def _drop_format(operation: dict[str, Any]) -> None:
    """A twin's format is its path's: its document takes no `format`; one left with no
    parameter drops the 422 FastAPI added for it (a 422 the route declares stays)."""
    parameters = [p for p in operation.get("parameters", []) if p["name"] != "format"]
    if parameters:
        operation["parameters"] = parameters
        return
    operation.pop("parameters", None)
    responses = operation["responses"]
    if responses.get("422", {}).get("description") == _FASTAPI_422:
        del responses["422"]


def _declare_collection(ok: dict[str, Any]) -> None:
    """A collection's 200: its JSON schema, then each other format as text, keeping any
    example a route gave (`csv_responses`)."""
    for media_type in COLLECTION_FORMATS:
        ok["content"].setdefault(media_type, {})["schema"] = _string_schema(media_type)
    formats = "; ".join(COLLECTION_FORMATS.values())
    names = listed([spec.format.value.upper() for spec in OTHER_FORMATS])
    ok["description"] = (
        f"The collection as JSON (the default: one page), or as {formats}; {names} "
        "hold every matching item unless `limit` or `offset` is given."
    )


def _string_schema(media_type: str) -> dict[str, str]:
    if media_type in BINARY_FORMATS:
        return {"type": "string", "format": "binary"}
    return {"type": "string"}


def _declare_headers(path: str, operation: dict[str, Any], collection: bool) -> None:
    responses = operation["responses"]
    ok = responses["200"]
    headers: dict[str, Any] = {}
    if path not in NO_CACHE_PATHS:
        headers |= {"ETag": _header("ETag"), "Cache-Control": _header("Cache-Control")}
        headers |= {
            "Accept-Ranges": _header("Accept-Ranges"),
            "Last-Modified": _header("Last-Modified"),
        }
        responses["304"] = {
            "description": "Not modified: `If-None-Match` names the current ETag (or, without "
            "it, `If-Modified-Since` is not before `Last-Modified`); no body.",
            "headers": dict(headers),
        }
    if any(param["name"] == "offset" for param in operation.get("parameters", [])):
        headers["Link"] = _header("Link")
    content = set(ok.get("content", {}))
    if content - {"application/json", "text/plain"}:
        headers["Content-Disposition"] = _header("Content-Disposition")
    if collection or content & TWIN_FORMATS:
        headers["X-Total-Count"] = _header("X-Total-Count")
    if path not in NO_CACHE_PATHS:
        _declare_ranges(responses, headers)
    if headers:
        ok["headers"] = headers


_TWIN_PAGING = {
    "limit": "Page size, 1 to 1000. Without `limit` and `offset`, every matching item.",
    "offset": "Index of the first item of a page. Without `limit` and `offset`, every "
    "matching item.",
}


def _whole_by_default(operation: dict[str, Any]) -> None:
    """A one-format twin declares no default `limit`/`offset`: Swagger's "Try it out" sends
    a parameter's default, which would make the whole table a page of 100."""
    for param in operation.get("parameters", []):
        if param["name"] in _TWIN_PAGING:
            param["schema"].pop("default", None)
            param["description"] = param["schema"]["description"] = _TWIN_PAGING[param["name"]]


def _declare_ranges(responses: dict[str, Any], headers: dict[str, Any]) -> None:
    """A stored answer's 206 (one byte range of the 200's body, as coded) and 416 (past the
    end)."""
    responses["206"] = {
        "description": "The bytes `Range` asked for (one range; `If-Range` honoured).",
        "headers": {**headers, "Content-Range": _header("Content-Range")},
        "content": responses["200"]["content"],
    }
    responses["416"] = {
        **problem_responses(416)[416],
        "headers": {"Content-Range": _header("Content-Range")},
    }


def _complete(schema: dict[str, Any], routes: Iterable[BaseRoute]) -> None:
    """Say what the API really sends (the linters and schemathesis check it): every 422 is
    problem+json (FastAPI documents its own JSON shape), a 503 says when to retry, a
    collection answers each of COLLECTION_FORMATS, and the cache's headers and 304."""
    collections, twins = _collections(routes)
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if path in twins:
                _drop_format(operation)
                _whole_by_default(operation)
                for media_type, content in operation["responses"]["200"]["content"].items():
                    if media_type in BINARY_FORMATS:
                        content["schema"] = _string_schema(media_type)
            responses = operation["responses"]
            if "422" in responses:
                responses["422"] = problem_responses(422)[422]
            if "503" in responses:
                responses["503"]["headers"] = {"Retry-After": _header("Retry-After")}
            if path in collections:
                _declare_collection(responses["200"])
            _declare_headers(path, operation, path in collections)
    components = schema.setdefault("components", {})
    components["headers"] = HEADERS
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas |= problem.pop("$defs")
    schemas["Problem"] = problem
    for name in _UNUSED:
        schemas.pop(name, None)


def install_openapi(app: FastAPI) -> None:
    """Replace `app.openapi` with the complete document, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=TAGS,
                servers=SERVERS,
                contact=CONTACT,
                license_info=LICENSE,
            )
            _complete(schema, app.routes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
