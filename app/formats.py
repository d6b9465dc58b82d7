"""JSON, CSV and NDJSON responses: the format dependencies routes declare, the one-format
twins of each collection route (`/v1/observations.csv`), rendering, page links."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from app.edge.negotiation import Format, negotiate

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
# Rows rendered per chunk of a streamed CSV or NDJSON answer.
CHUNK_ROWS = 1000


def get_format(
    request: Request,
    format: Annotated[
        Format | None,
        Query(
            description="Response format; overrides the Accept header (json, csv or ndjson). "
            "CSV and NDJSON hold every matching item unless `limit` or `offset` is given."
        ),
    ] = None,
) -> Format:
    return negotiate(request.headers.get("accept"), format)


def only(fmt: Format) -> Callable[[Request], Format]:
    """The dependency of a resource available in `fmt` alone: any `format=` or Accept that
    excludes it is a 406 (`format` is accepted on every route, app/deps.py)."""

    def get_only(request: Request) -> Format:
        return negotiate(request.headers.get("accept"), request.query_params.get("format"), (fmt,))

    get_only.__name__ = f"get_{fmt.value}_only"
    return get_only


get_json_only = only(Format.json)
FormatDep = Annotated[Format, Depends(get_format)]
JsonOnlyDep = Annotated[Format, Depends(get_json_only)]


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class ORJSONResponse(Response):
    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(model: BaseModel, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(model.model_dump(mode="json")), media_type=JSON_TYPE, headers=headers)


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells: skip the checks below
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(_cell(v) for v in value)
    if isinstance(value, dict | BaseModel):
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        return orjson.dumps(data).decode()
    return str(value)


def _batches(rows: Iterable[Any]) -> Iterator[list[Any]]:
    """`rows` in lists of CHUNK_ROWS (itertools.batched is Python 3.12)."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def _csv_chunks(rows: Iterable[Any], model: type[BaseModel]) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF line ends, minimal quoting), header = the JSON item keys, of `rows`
    made into `model` items as they are written, CHUNK_ROWS rows at a time: no list of every
    item, no whole text in memory."""
    columns = list(model.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for chunk in _batches(rows):
        for row in chunk:
            item = model.model_validate(row)
            writer.writerow([_cell(getattr(item, column)) for column in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of an empty collection
        yield buffer.getvalue().encode("utf-8")


def _ndjson_chunks(rows: Iterable[Any], model: type[BaseModel]) -> Iterator[bytes]:
    """One JSON object per line (the JSON items, key for key), CHUNK_ROWS lines at a time."""
    for chunk in _batches(rows):
        yield b"".join(
            dumps(model.model_validate(row).model_dump(mode="json")) + b"\n" for row in chunk
        )


_STREAMS = {Format.csv: (CSV_TYPE, _csv_chunks), Format.ndjson: (NDJSON_TYPE, _ndjson_chunks)}


def rows_response(
    rows: Iterable[Any],
    model: type[BaseModel],
    fmt: Format,
    *,
    total: int,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Items as streamed CSV or NDJSON: `rows` (query rows or items) become `model` items as
    they are written; `X-Total-Count` says how many items match over all pages."""
    extension, media_type, chunks = (
        ("csv", CSV_TYPE, _csv_chunks)
        if fmt is Format.csv
        else ("ndjson", NDJSON_TYPE, _ndjson_chunks)
    )
    all_headers = {
        "Content-Disposition": f'attachment; filename="{filename}.{extension}"',
        "X-Total-Count": str(total),
    }
    all_headers.update(headers or {})
    return StreamingResponse(chunks(rows, model), media_type=media_type, headers=all_headers)


def collection_response(
    page: BaseModel,
    fmt: Format,
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a list response (an object with `items`) as JSON, or as CSV or NDJSON of its
    items."""
    items: Sequence[BaseModel] = getattr(page, "items")  # noqa: B009
    total = getattr(page, "total", len(items))
    if fmt is Format.json:
        return json_response(page, {"X-Total-Count": str(total), **(headers or {})})
    model = item_model(type(page))
    return rows_response(items, model, fmt, total=total, filename=filename, headers=headers)


def item_model(page_model: type[BaseModel]) -> type[BaseModel]:
    """The model of a list response's `items` (a `list[Model]`)."""
    (model,) = getattr(page_model.model_fields["items"].annotation, "__args__", (None,))
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"{page_model.__name__}.items is not a list of models")
    return model


def page_limit(request: Request, fmt: Format, limit: int) -> int | None:
    """A page size, or None for every matching item: a CSV or NDJSON answer is whole unless
    the request names `limit` or `offset` (a reader such as pandas never follows a Link)."""
    params = request.query_params
    if fmt is Format.json or "limit" in params or "offset" in params:
        return limit
    return None


def page_links(
    request: Request, *, offset: int, limit: int | None, total: int
) -> dict[str, str | None]:
    """`next` / `prev` URLs for offset pagination, keeping every other parameter as sent;
    none for a whole answer (`limit` None)."""
    if limit is None:
        return {"next": None, "prev": None}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]

    def url(new_offset: int) -> str:
        query = urlencode([*params, ("offset", str(new_offset))])
        return f"{request.url.path}?{query}"

    nxt = url(offset + limit) if offset + limit < total else None
    prev = url(max(offset - limit, 0)) if offset > 0 else None
    return {"next": nxt, "prev": prev}


def link_header(links: dict[str, str | None]) -> dict[str, str]:
    """RFC 8288 Link header for the pagination links that exist."""
    parts = [f'<{url}>; rel="{rel}"' for rel, url in links.items() if url]
    return {"Link": ", ".join(parts)} if parts else {}


class CSVResponse(Response):
    media_type = "text/csv"


class NDJSONResponse(Response):
    media_type = NDJSON_TYPE


TWINS = {Format.csv: CSVResponse, Format.ndjson: NDJSONResponse}
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def collection_get(router: APIRouter, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """`router.get(path, **options)` for a collection, and its one-format twins `path.csv`
    and `path.ndjson` (operation ids `<name>_csv`, `<name>_ndjson`): the same handler and
    filters, one content type each, because SDK generators read only a response's first
    content type (openapi-python-client issue #1248). Datasette's convention."""

    def register(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        responses = options.get("responses", {})
        errors = {k: v for k, v in responses.items() if k != 200}
        examples = responses.get(200, {}).get("content", {})
        for fmt, response_class in TWINS.items():
            media_type = response_class.media_type
            router.add_api_route(
                f"{path}.{fmt.value}",
                _with_format(endpoint, fmt),
                methods=["GET"],
                name=f"{endpoint.__name__}_{fmt.value}",
                summary=f"{options.get('summary', endpoint.__name__)} ({fmt.value.upper()})",
                response_model=None,
                response_class=response_class,
                responses={
                    200: {
                        "description": f"Every matching item as {media_type} (a page when "
                        "`limit` or `offset` is given).",
                        "content": {media_type: examples.get(media_type, {})},
                    },
                    **errors,
                },
            )
        return endpoint

    return register


def _with_format(endpoint: Callable[..., Any], fmt: Format) -> Callable[..., Any]:
    """`endpoint` with its FormatDep parameter fixed to `fmt` (see `only`)."""
    signature = inspect.signature(endpoint, eval_str=True)
    fixed = Annotated[Format, Depends(only(fmt))]
    parameters = [
        p.replace(annotation=fixed) if p.annotation == FormatDep else p
        for p in signature.parameters.values()
    ]

    def twin(*args: Any, **kwargs: Any) -> Any:
        return endpoint(*args, **kwargs)

    # FastAPI reads the parameters from __signature__; no functools.wraps (FastAPI would
    # follow __wrapped__ back to the negotiating signature).
    twin.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    twin.__name__ = f"{endpoint.__name__}_{fmt.value}"
    twin.__doc__ = endpoint.__doc__
    return twin


def csv_responses(example: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry: an example of a collection's CSV (app/openapi.py declares
    the formats themselves)."""
    return {200: {"content": {"text/csv": {"example": example}}}}
