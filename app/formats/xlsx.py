"""Excel workbooks of a collection: a sheet of its items in typed cells, and a sheet "About".

The items sheet: one column per JSON item key (the CSV's header), numbers as numbers,
`*_text` and every other string as text (so "2.00" keeps its zeros and a 17-digit figure its
digits, which Excel would cut to 15 as a number), booleans as booleans, dates and times as
dates; missing is an empty cell, never 0. The header row is frozen and filtered, and columns
are as wide as their longest cell (capped). The "About" sheet says what the rows are: the
dataset version, the editions and sources the rows come from, how to cite them, and the
licence note.

Written with xlsxwriter in `constant_memory` mode (numbers as their exact shortest decimal:
ExactWorksheet), row by row into a temporary file, so
memory stays bounded whatever the number of rows. Chosen over openpyxl's write-only mode
(already a dependency, for the workbook importer) by measurement on the whole observations
table (6,779 rows by 13 columns, same cells, same machine): xlsxwriter 1.0-1.3 s, openpyxl
1.5-1.7 s, both under 1 MB of Python heap at peak (tracemalloc). And xlsxwriter writes a
string as a string, where openpyxl makes a formula of any text that starts with "=".
Rows that are already the items (`formats.Plain`) skip xlsxwriter's per-cell bookkeeping:
their cells' XML is written a row at a time, byte for byte as xlsxwriter writes it (issue 22:
the whole table 450 -> 76 ms of CPU; tests/test_xlsx.py holds the two paths equal).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import orjson
import xlsxwriter
from pydantic import BaseModel
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from app.formats.tabular import Plain

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Item keys whose values name the editions and sources the rows come from.
EDITION_KEYS = ("edition", "editions")
SOURCE_KEYS = ("source", "sources")
MAX_WIDTH = 60
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


class ExactWorksheet(Worksheet):  # type: ignore[misc]
    """A worksheet whose numbers are written as their shortest exact decimal (Python's repr),
    the double itself: xlsxwriter (like openpyxl) writes 16 significant digits, which changes
    a 17-digit figure such as 15.161892741174018 (figures are never rounded here)."""

    def _xml_number_element(
        self, number: float, attributes: list[tuple[str, Any]] | None = None
    ) -> None:
        attr = "".join(
            f' {key}="{self._escape_attributes(value)}"' for key, value in attributes or ()
        )
        text = repr(number) if isinstance(number, int) else repr(float(number))
        self.fh.write(f"<c{attr}><v>{text}</v></c>")


@dataclass(frozen=True)
class About:
    """What the "About" sheet says of the rows (built once they are written)."""

    title: str
    dataset_version: str
    loaded_at: dt.datetime
    editions: list[tuple[str, str, dt.date]]
    """(id, title, published on) of each edition the rows come from."""
    sources: list[tuple[str, str]]
    """(id, title) of each source the rows come from."""
    how_to_cite: str
    licence: str


Describe = Callable[[set[str], set[str]], About]
"""Builds the About of rows from the edition and source ids they name."""


def write_workbook(
    out: IO[bytes],
    *,
    sheet: str,
    model: type[BaseModel],
    rows: Iterable[Any],
    describe: Describe,
) -> int:
    """Write the workbook of `rows` (query rows or items, made into `model` items as they are
    written, or `Plain` rows, written as they are) to `out`; return how many rows it holds."""
    book = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "remove_timezone": True, "strings_to_numbers": False},
    )
    formats = {
        "header": book.add_format({"bold": True, "bottom": 1}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    items = book.add_worksheet(sheet_name(sheet), worksheet_class=ExactWorksheet)
    columns = list(model.model_fields)
    widths = [len(column) for column in columns]
    editions: set[str] = set()
    sources: set[str] = set()
    items.write_row(0, 0, columns, formats["header"])
    count = 0
    if isinstance(rows, Plain):  # already the items' values, in order
        count = _write_plain(items, rows, widths, formats)
        for index, column in enumerate(columns):
            if column in EDITION_KEYS or column in SOURCE_KEYS:
                named = editions if column in EDITION_KEYS else sources
                for row in rows:
                    value = row[index]
                    if type(value) is str:
                        named.add(value)
                    else:
                        named.update(_ids(value))
    for count, row in enumerate(() if isinstance(rows, Plain) else rows, start=1):
        item = model.model_validate(row)
        for index, column in enumerate(columns):
            value = getattr(item, column)
            widths[index] = max(widths[index], _write(items, count, index, value, formats))
            if column in EDITION_KEYS:
                editions.update(_ids(value))
            elif column in SOURCE_KEYS:
                sources.update(_ids(value))
    items.freeze_panes(1, 0)
    items.autofilter(0, 0, count, len(columns) - 1)
    for index, width in enumerate(widths):
        items.set_column(index, index, min(width, MAX_WIDTH) + 2)
    about = describe(editions, sources)
    # The load time, not now: the same rows make the same bytes (and ETag) on every replica.
    book.set_properties({"created": about.loaded_at.replace(tzinfo=None)})
    _write_about(book, about, count, formats)
    book.close()
    return count


def sheet_name(name: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return _SHEET_NAME.sub("-", name)[:31] or "items"


def _write(sheet: Any, row: int, col: int, value: Any, formats: dict[str, Any]) -> int:
    """Write one typed cell; return its width in characters."""
    if value is None:
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if isinstance(value, int | float | Decimal):
        # A Decimal's exact text is in its `_text` sibling; the cell is the number.
        sheet.write_number(row, col, value if isinstance(value, int) else float(value))
        return len(str(value))
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, formats["datetime"])
        return 19
    if isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, formats["date"])
        return 10
    text = _text(value)
    sheet.write_string(row, col, text)
    return len(text)


def _write_plain(sheet: Any, rows: Plain, widths: list[int], formats: dict[str, Any]) -> int:
    """Write `rows` from row 1 on, each cell's XML exactly as xlsxwriter's constant-memory
    writer makes it (`_write` then `_write_single_row`: the same row tag, escapes and
    numbers), but a row at a time and each distinct text escaped once: 5x faster on the
    whole table, where xlsxwriter's per-cell bookkeeping was 85% of the answer's time (the
    bytes are the same, bench/snapshot.py). The rows' XML goes to the sheet's file in blocks
    of rows, and the sheet's dimensions are checked at the first and last row written, which
    is all xlsxwriter keeps of them. Return how many rows were written."""
    sheet._write_single_row(1)  # the header row, as writing row 1 would flush it
    _check_row_tag(sheet)
    refs = [xl_col_to_name(col) for col in range(len(widths))]
    texts: dict[str, tuple[str, int]] = {}  # text -> (its cell XML after `r`, width)
    dates: dict[tuple[str, dt.date], str] = {}
    # A format's style index is given at its first use (xlsxwriter numbers them in that order).
    styles: dict[str, int] = {}
    fh = sheet.fh
    block: list[str] = []
    first = last = count = 0
    for count, row in enumerate(rows, start=1):
        number = str(count + 1)
        cells = [f'<row r="{number}">']
        for col, value in enumerate(row):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                known = texts.get(value)
                if known is None:
                    known = texts[value] = _inline(sheet, value)
                xml, width = known
                cells.append(f'<c r="{refs[col]}{number}"{xml}')
            elif kind is bool:
                cells.append(f'<c r="{refs[col]}{number}" t="b"><v>{int(value)}</v></c>')
                width = 5
            elif kind is float or kind is int:
                # ExactWorksheet's number: the shortest exact decimal.
                text = repr(value)
                cells.append(f'<c r="{refs[col]}{number}"><v>{text}</v></c>')
                width = len(text)
            elif isinstance(value, int | float | Decimal):  # subclasses, Decimal
                text = repr(value) if isinstance(value, int) else repr(float(value))
                cells.append(f'<c r="{refs[col]}{number}"><v>{text}</v></c>')
                width = len(str(value))
            elif isinstance(value, dt.date):
                date_kind = "datetime" if isinstance(value, dt.datetime) else "date"
                serial = dates.get((date_kind, value))
                if serial is None:
                    excel = sheet._convert_date_time(value)
                    serial = dates[date_kind, value] = repr(float(excel))
                style = styles.get(date_kind)
                if style is None:
                    style = styles[date_kind] = formats[date_kind]._get_xf_index()
                cells.append(f'<c r="{refs[col]}{number}" s="{style}"><v>{serial}</v></c>')
                width = 19 if date_kind == "datetime" else 10
            else:
                xml, width = _inline(sheet, _text(value))
                cells.append(f'<c r="{refs[col]}{number}"{xml}')
            if width > widths[col]:
                widths[col] = width
        if len(cells) == 1:  # no cell: xlsxwriter writes no row
            continue
        first, last = first or count, count
        cells.append("</row>")
        block.append("".join(cells))
        if len(block) == _BLOCK_ROWS:
            fh.write("".join(block))
            block.clear()
    fh.write("".join(block))
    if first:
        sheet._check_dimensions(first, len(widths) - 1)
        sheet._check_dimensions(last, len(widths) - 1)
    sheet.previous_row = count
    return count


# Rows of XML gathered before one write to the sheet's file.
_BLOCK_ROWS = 512


def _check_row_tag(sheet: Any) -> None:
    """The start tag _write_plain writes for a data row (`<row r="N">`, N counted from 1),
    checked against one that xlsxwriter writes itself: a new row attribute (a default height,
    another Excel version) must fail here, not make a different workbook."""
    real, probe = sheet.fh, io.StringIO()
    sheet.fh = probe
    try:
        sheet._write_row(1, None)
    finally:
        sheet.fh = real
    if probe.getvalue() != '<row r="2">':
        raise RuntimeError(f"xlsxwriter writes a row as {probe.getvalue()!r}: see _write_plain")


def _inline(sheet: Any, text: str) -> tuple[str, int]:
    """The XML of an inline string cell after its `r` attribute, as xlsxwriter writes it."""
    width = len(text)
    if len(text) > sheet.xls_strmax // 2:  # too long for Excel: xlsxwriter's own path
        raise ValueError("plain rows hold texts of at most 16,383 characters")
    escaped = sheet._escape_control_characters(text)
    if escaped.startswith("<r>") and escaped.endswith("</r>"):
        return f' t="inlineStr"><is>{escaped}</is></c>', width
    preserve = ' xml:space="preserve"' if _preserve_whitespace(escaped) else ""
    return f' t="inlineStr"><is><t{preserve}>{sheet._escape_data(escaped)}</t></is></c>', width


def _text(value: Any) -> str:
    """A cell's text as the CSV writes it: lists space-separated, objects as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    if isinstance(value, BaseModel):
        return orjson.dumps(value.model_dump(mode="json")).decode()
    if isinstance(value, dict):
        return orjson.dumps(value, default=str).decode()
    return str(value)


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _write_about(book: Any, about: About, count: int, formats: dict[str, Any]) -> None:
    sheet = book.add_worksheet("About", worksheet_class=ExactWorksheet)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 2, 14)
    header = formats["header"]
    lines: list[tuple[str, Any]] = [
        ("Title", about.title),
        ("Rows", count),
        ("Dataset version", about.dataset_version),
        ("Loaded at (UTC)", about.loaded_at),
        ("How to cite", about.how_to_cite),
        ("Licence", about.licence),
    ]
    row = 0
    for label, value in lines:
        sheet.write_string(row, 0, label, header)
        if isinstance(value, str):
            sheet.write_string(row, 1, value, formats["text"])
        else:
            _write(sheet, row, 1, value, formats)
        row += 1
    row += 1
    sheet.write_row(row, 0, ["Edition", "Title", "Published on"], header)
    for edition_id, title, published_on in about.editions:
        row += 1
        sheet.write_string(row, 0, edition_id)
        sheet.write_string(row, 1, title)
        sheet.write_datetime(row, 2, published_on, formats["date"])
    row += 2
    sheet.write_row(row, 0, ["Source", "Title"], header)
    for source_id, title in about.sources:
        row += 1
        sheet.write_string(row, 0, source_id)
        sheet.write_string(row, 1, title)
