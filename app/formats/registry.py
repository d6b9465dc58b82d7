"""The one table of the collection formats: name, media type, file suffix, renderer, whether it
streams and whether it has a one-format twin route (for SDK generators). Negotiation,
rendering, the twin routes and the OpenAPI document all read it; a new format is one entry
here plus its renderer (docs/development.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from app.edge.negotiation import Offer, choose
from app.formats import tabular
from app.formats.workbook import WorkbookResponse
from app.formats.xlsx import XLSX_TYPE

# Rows in, bytes out: the items of a collection as `model` objects, written as they come.
Renderer = Callable[[Iterable[Any], type[BaseModel]], Iterator[bytes]]
# Rows in, a response out, for a format whose answer needs more than its rows (the xlsx
# workbook's About sheet reads the database once the rows are written): rows, item model,
# the answer's name (its sheet), and the headers (file name, X-Total-Count, links).
Responder = Callable[[Iterable[Any], type[BaseModel], str, dict[str, str]], Response]


# The `format=` values of a collection (the OpenAPI component `Format`: no docstring, which
# would become its description).
class Format(StrEnum):
    json = "json"
    csv = "csv"
    ndjson = "ndjson"
    xlsx = "xlsx"


@dataclass(frozen=True)
class FormatSpec:
    format: Format
    offer: Offer  # `format=` value, media type, Accept ranges it also meets
    content_type: str  # the Content-Type of an answer
    suffix: str  # of the twin route and the download's file name
    renderer: Renderer | Responder | None  # None: the JSON page (app/formats/render.py)
    streams: bool  # rendered chunk by chunk as the rows come (else whole, then sent)
    twin: bool  # has a one-format twin route `/path.suffix`
    description: str = ""  # of the collection's 200 in the OpenAPI document
    binary: bool = False  # declared as a binary string in the document, not text
    responds: bool = False  # the renderer is a Responder: it makes the response itself

    @property
    def media_type(self) -> str:
        return self.offer.media_type


FORMATS: dict[Format, FormatSpec] = {
    spec.format: spec
    for spec in (
        FormatSpec(
            Format.json,
            Offer("json", "application/json", ("application/problem+json",)),
            content_type="application/json",
            suffix="json",
            renderer=None,
            streams=False,
            twin=False,
        ),
        FormatSpec(
            Format.csv,
            Offer("csv", "text/csv"),
            content_type="text/csv; charset=utf-8",
            suffix="csv",
            renderer=tabular.csv_chunks,
            streams=True,
            twin=True,
            description="CSV (`?format=csv` or `Accept: text/csv`): RFC 4180, UTF-8, CRLF line "
            "ends, header = the JSON item keys",
        ),
        FormatSpec(
            Format.ndjson,
            Offer("ndjson", "application/x-ndjson"),
            content_type="application/x-ndjson",
            suffix="ndjson",
            renderer=tabular.ndjson_chunks,
            streams=True,
            twin=True,
            description="NDJSON (`?format=ndjson` or `Accept: application/x-ndjson`): one "
            "JSON item per line",
        ),
        FormatSpec(
            Format.xlsx,
            Offer("xlsx", XLSX_TYPE),
            content_type=XLSX_TYPE,
            suffix="xlsx",
            renderer=WorkbookResponse,
            streams=False,
            twin=True,
            description=f"xlsx (`?format=xlsx` or `Accept: {XLSX_TYPE}`): a workbook, one sheet "
            'of the items in typed cells and a sheet "About" (dataset version, editions and '
            "sources of the rows, how to cite)",
            binary=True,
            responds=True,
        ),
    )
}
ALL_FORMATS = tuple(FORMATS)
# The formats besides JSON a collection answers (and documents), in the table's order.
OTHER_FORMATS = tuple(spec for spec in FORMATS.values() if spec.renderer is not None)
TWINS = tuple(spec for spec in FORMATS.values() if spec.twin)


def listed(names: Sequence[str], last: str = "and") -> str:
    """`a`, `a and b`, `a, b and c`: the registry's formats in a sentence."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def negotiate(
    accept: str | None, explicit: str | None, offered: Sequence[Format] = ALL_FORMATS
) -> Format:
    """The format to answer in: `?format=` wins, else Accept (app/edge/negotiation.py); one
    the resource does not offer is a 406, never another format."""
    offer = choose(accept, explicit, [FORMATS[fmt].offer for fmt in offered])
    return Format(offer.value)


def twin_of(path: str) -> FormatSpec | None:
    """The format of a twin route's path (`/v1/observations.csv`), or None."""
    for spec in TWINS:
        if path.endswith(f".{spec.suffix}"):
            return spec
    return None
