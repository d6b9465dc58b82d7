"""The streamed renderers of the registry: a collection's items as CSV or NDJSON, written
CHUNK_ROWS rows at a time (no list of every item, no whole text in memory)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import orjson
from pydantic import BaseModel

# Rows rendered per chunk of a streamed CSV or NDJSON answer.
CHUNK_ROWS = 1000


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def cell(value: Any) -> str:
    """A CSV cell: empty for null, true/false, repr of floats, ISO dates, JSON for objects."""
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
        return " ".join(cell(v) for v in value)
    if isinstance(value, dict | BaseModel):
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        return orjson.dumps(data).decode()
    return str(value)


def _batches(rows: Iterable[Any]) -> Iterator[list[Any]]:
    """`rows` in lists of CHUNK_ROWS (itertools.batched is Python 3.12)."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK_ROWS)):
        yield chunk


def csv_chunks(rows: Iterable[Any], model: type[BaseModel]) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF line ends, minimal quoting), header = the JSON item keys, of `rows`
    made into `model` items as they are written."""
    columns = list(model.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for chunk in _batches(rows):
        for row in chunk:
            item = model.model_validate(row)
            writer.writerow([cell(getattr(item, column)) for column in columns])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of an empty collection
        yield buffer.getvalue().encode("utf-8")


def ndjson_chunks(rows: Iterable[Any], model: type[BaseModel]) -> Iterator[bytes]:
    """One JSON object per line (the JSON items, key for key), CHUNK_ROWS lines at a time."""
    for chunk in _batches(rows):
        yield b"".join(
            dumps(model.model_validate(row).model_dump(mode="json")) + b"\n" for row in chunk
        )


def csv_example(model: type[BaseModel]) -> str:
    """A collection's CSV example from its item model: the header, then one row of each
    field's first OpenAPI example (so a field declared in the schema is in the example)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(model.model_fields))
    writer.writerow([cell((f.examples or [None])[0]) for f in model.model_fields.values()])
    return buffer.getvalue()
