"""Rendering a collection in the format negotiated: the JSON page, or every item through the
registry's renderer (streamed or whole, as its entry says)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, cast

from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from app.formats.registry import FORMATS, Format, Renderer, Responder
from app.formats.tabular import Plain, dumps

JSON_TYPE = FORMATS[Format.json].content_type


def json_response(model: BaseModel, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(model.model_dump(mode="json")), media_type=JSON_TYPE, headers=headers)


def json_content_response(content: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer of plain data already in its JSON shape (the `model_dump(mode="json")` of
    the route's response model, key for key), with no model built."""
    return Response(dumps(content), media_type=JSON_TYPE, headers=headers)


def rows_response(
    rows: Iterable[Any],
    model: type[BaseModel],
    fmt: Format,
    *,
    total: int,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Items in `fmt` through its renderer: `rows` (query rows or items) become `model` items
    as they are written; `X-Total-Count` says how many items match over all pages."""
    spec = FORMATS[fmt]
    if spec.renderer is None:
        raise ValueError(f"{fmt} has no renderer of rows")  # never another format's
    all_headers = {
        "Content-Disposition": f'attachment; filename="{filename}.{spec.suffix}"',
        "X-Total-Count": str(total),
    }
    all_headers.update(headers or {})
    if spec.responds:
        return cast(Responder, spec.renderer)(rows, model, filename, all_headers)
    chunks = cast(Renderer, spec.renderer)(rows, model)
    if spec.streams and isinstance(rows, Plain):
        # Query rows (the figure routes' whole table: 6,779 rows, about 8 MB of Python
        # objects) are rendered here, where they were fetched (a worker thread), and let go:
        # a slow client then holds its 2.8 MB of bytes, freed as they are sent, not every row
        # for as long as it reads (issue 23: 100 slow readers, RSS 120 -> 995 MB).
        rendered = list(chunks)
        return StreamingResponse(
            _drained(rendered), media_type=spec.content_type, headers=all_headers
        )
    if spec.streams:
        return StreamingResponse(chunks, media_type=spec.content_type, headers=all_headers)
    return Response(b"".join(chunks), media_type=spec.content_type, headers=all_headers)


async def _drained(chunks: list[bytes]) -> AsyncIterator[bytes]:
    """`chunks` in order, each let go once sent (an async iterator: no thread hop each)."""
    chunks.reverse()
    while chunks:
        yield chunks.pop()


def collection_response(
    page: BaseModel,
    fmt: Format,
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a list response (an object with `items`) as JSON, or its items in `fmt`."""
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
