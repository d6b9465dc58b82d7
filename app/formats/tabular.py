"""The streamed renderers of the registry: a collection's items as CSV or NDJSON, written
CHUNK_ROWS rows at a time (no list of every item, no whole text in memory).

Rows are made into the item model before they are written, except `Plain` rows: a query
whose rows are already the items (its columns the model's fields, in order, its values
their JSON types: the query's contract, checked once where the route pairs them) is written
straight from its tuples, with no model per row (issue 22: the model and a cell call per
value were three quarters of the full table's time)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, get_args

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


class Plain(list[Any]):
    """Rows that are already the items of `model`: tuples of its fields' values, in order."""

    def __init__(self, rows: Iterable[Any], model: type[BaseModel]) -> None:
        super().__init__(rows)
        self.model = model


# Values the csv module writes as `cell` does (None empty, floats by repr, dates in ISO).
_AS_IS = frozenset({str, int, float, dt.date, type(None)})


def _cell_columns(model: type[BaseModel]) -> list[int]:
    """The columns of `model` whose values `csv.writer` would not write as `cell` does."""
    out = []
    for index, field in enumerate(model.model_fields.values()):
        kinds = set(get_args(field.annotation)) or {field.annotation}
        if not kinds <= _AS_IS:
            out.append(index)
    return out


def _plain_csv(rows: Plain, writer: Any, buffer: io.StringIO) -> Iterator[bytes]:
    convert = _cell_columns(rows.model)
    for chunk in _batches(rows):
        if convert:
            lines = []
            for row in chunk:
                line = list(row)
                for index in convert:
                    line[index] = cell(line[index])
                lines.append(line)
            writer.writerows(lines)
        else:
            writer.writerows(chunk)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


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
    if isinstance(rows, Plain):
        yield from _plain_csv(rows, writer, buffer)
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
        return
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
    if isinstance(rows, Plain):
        keys = tuple(model.model_fields)
        for chunk in _batches(rows):
            yield b"".join(dumps(dict(zip(keys, row, strict=True))) + b"\n" for row in chunk)
        return
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
