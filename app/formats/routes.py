"""What routes declare about formats: the negotiating dependency, the JSON-only one, the
collection route with its one-format twins (`/v1/observations.csv`), and page links."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from app.formats.registry import (
    OTHER_FORMATS,
    TWINS,
    Format,
    FormatSpec,
    listed,
    negotiate,
    twin_of,
)

_FORMAT_HELP = (
    f"Response format; overrides the Accept header ({listed([f.value for f in Format], 'or')}). "
    f"{listed([spec.format.value.upper() for spec in OTHER_FORMATS])} hold every matching item "
    "unless `limit` or `offset` is given."
)


async def get_format(
    request: Request,
    format: Annotated[Format | None, Query(description=_FORMAT_HELP)] = None,
) -> Format:
    """The format of a collection: negotiated, or on a twin route the twin's alone (any other
    `format=` or an Accept that excludes it is a 406)."""
    route = request.scope.get("route")
    twin = twin_of(route.path) if isinstance(route, APIRoute) else None
    if twin is not None:
        return negotiate(request.headers.get("accept"), format, (twin.format,))
    return negotiate(request.headers.get("accept"), format)


def only(fmt: Format) -> Callable[[Request], Awaitable[Format]]:
    """The dependency of a resource available in `fmt` alone: any `format=` or Accept that
    excludes it is a 406 (`format` is accepted on every route, app/deps.py)."""

    async def get_only(request: Request) -> Format:
        return negotiate(request.headers.get("accept"), request.query_params.get("format"), (fmt,))

    get_only.__name__ = f"get_{fmt.value}_only"
    return get_only


get_json_only = only(Format.json)
FormatDep = Annotated[Format, Depends(get_format)]
JsonOnlyDep = Annotated[Format, Depends(get_json_only)]


def page_limit(request: Request, fmt: Format, limit: int) -> int | None:
    """A page size, or None for every matching item: a CSV, NDJSON or xlsx answer is whole
    unless the request names `limit` or `offset` (a reader such as pandas never follows a
    Link)."""
    params = request.query_params
    if fmt is Format.json or "limit" in params or "offset" in params:
        return limit
    return None


def page_links(
    request: Request, *, offset: int, limit: int | None, total: int
) -> dict[str, str | None]:
    """`next` / `prev` URLs for offset pagination, keeping every other parameter as sent;
    none for a whole answer (`limit` None)."""
    return links_for(
        request.url.path,
        request.query_params.multi_items(),
        offset=offset,
        limit=limit,
        total=total,
    )


def links_for(
    path: str,
    params: Sequence[tuple[str, str]],
    *,
    offset: int,
    limit: int | None,
    total: int,
) -> dict[str, str | None]:
    """`next` / `prev` of `path` with `params` (the MCP tools' pages name the REST URLs too)."""
    if limit is None:
        return {"next": None, "prev": None}
    kept = [(k, v) for k, v in params if k != "offset"]

    def url(new_offset: int) -> str:
        query = urlencode([*kept, ("offset", str(new_offset))])
        return f"{path}?{query}"

    nxt = url(offset + limit) if offset + limit < total else None
    prev = url(max(offset - limit, 0)) if offset > 0 else None
    return {"next": nxt, "prev": prev}


def link_header(links: dict[str, str | None]) -> dict[str, str]:
    """RFC 8288 Link header for the pagination links that exist."""
    parts = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if url]
    return {"Link": ", ".join(parts)} if parts else {}


@functools.cache
def _response_class(spec: FormatSpec) -> type[Response]:
    """The response class a twin declares (OpenAPI reads its media type)."""
    name = f"{spec.format.value.upper()}Response"
    return type(name, (Response,), {"media_type": spec.media_type})


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def collection_get(router: APIRouter, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """`router.get(path, **options)` for a collection, and for each twin format of the
    registry the same handler at `path.suffix` (operation id `<name>_<format>`), one content
    type each, because SDK generators read only a response's first content type
    (openapi-python-client issue #1248). Datasette's convention. The twin's format comes from
    its path (`get_format`); the document drops its `format` parameter (app/openapi.py)."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        responses = options.get("responses", {})
        errors = {k: v for k, v in responses.items() if k != 200}
        examples = responses.get(200, {}).get("content", {})
        for spec in TWINS:
            router.add_api_route(
                f"{path}.{spec.suffix}",
                endpoint,
                methods=["GET"],
                name=f"{endpoint.__name__}_{spec.format.value}",
                summary=f"{options.get('summary', endpoint.__name__)} "
                f"({spec.format.value.upper()})",
                response_model=None,
                response_class=_response_class(spec),
                responses={
                    200: {
                        "description": f"Every matching item as {spec.media_type} (a page "
                        "when `limit` or `offset` is given).",
                        "content": {spec.media_type: examples.get(spec.media_type, {})},
                    },
                    **errors,
                },
            )
        return endpoint

    return register


def csv_responses(example: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry: an example of a collection's CSV (app/openapi.py declares
    the formats themselves)."""
    return {200: {"content": {"text/csv": {"example": example}}}}
