"""JSON and CSV responses: the format dependencies routes declare, rendering, page links."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.edge.negotiation import Format, negotiate
from app.errors import NotAcceptable

JSON_TYPE = "application/json"
CSV_TYPE = "text/csv; charset=utf-8"


def get_format(
    request: Request,
    format: Annotated[
        Format | None,
        Query(description="Response format; overrides the Accept header (json or csv)."),
    ] = None,
) -> Format:
    return negotiate(request.headers.get("accept"), format)


def get_json_only(request: Request) -> Format:
    """For single resources: JSON only; any Accept that excludes JSON is a 406."""
    # `format` is accepted on every route (app/deps.py): here anything but json is a 406.
    explicit = request.query_params.get("format", "json")
    if explicit != "json" or negotiate(request.headers.get("accept"), None) is not Format.json:
        raise NotAcceptable("This resource is available as application/json only.")
    return Format.json


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


def to_csv(items: Sequence[BaseModel], columns: Sequence[str]) -> bytes:
    """RFC 4180 CSV (CRLF line ends, minimal quoting), header = the JSON item keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(getattr(item, column)) for column in columns])
    return buffer.getvalue().encode("utf-8")


def collection_response(
    page: BaseModel,
    fmt: Format,
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a list response (an object with `items`) as JSON or as CSV of its items."""
    if fmt is Format.json:
        return json_response(page, headers)
    items: Sequence[BaseModel] = getattr(page, "items")  # noqa: B009
    item_model = type(page).model_fields["items"].annotation
    columns = _item_columns(item_model, items)
    all_headers = {"Content-Disposition": f'attachment; filename="{filename}.csv"'}
    all_headers.update(headers or {})
    return Response(to_csv(items, columns), media_type=CSV_TYPE, headers=all_headers)


def _item_columns(annotation: Any, items: Sequence[BaseModel]) -> list[str]:
    args = getattr(annotation, "__args__", ())
    model = args[0] if args else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return list(type(items[0]).model_fields) if items else []


def page_links(request: Request, *, offset: int, limit: int, total: int) -> dict[str, str | None]:
    """`next` / `prev` URLs for offset pagination, keeping every other parameter as sent."""
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


def csv_responses(example: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry: an example of a collection's CSV (app/openapi.py declares
    the formats themselves)."""
    return {200: {"content": {"text/csv": {"example": example}}}}
