"""What a workbook may cost the importer: its file, its zip members, its sheets, rows and cells.

NATO's 2024 workbook (tests/fixtures) is 207 KB: 57 zip members of at most 91 KB once
inflated (1.3 MB in all), 9 sheets of at most 97 rows and 46 columns, cells of at most 448
characters, 10,384 characters of text in all. Every limit below is far above that and far
below what hurts: a file that passes them all is read in about a second and a few hundred MB.

Each limit is checked before the work it bounds: the file's type and size before it is read,
each member's declared size (`ZipInfo.file_size`, which `zipfile` never inflates past) before
openpyxl opens it, the rows and columns while they are read, a cell's length before any
pattern sees it. A refusal is a `WorkbookError`: one line that names the sheet, the cell and
the limit.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

MAX_FILE_BYTES = 4 * 2**20
MAX_MEMBER_BYTES = 4 * 2**20  # inflated, each
MAX_INFLATED_BYTES = 16 * 2**20  # inflated, all members together
MAX_MEMBERS = 1_000
MAX_SHEETS = 64
MAX_ROWS = 2_000  # per sheet
MAX_COLUMNS = 256  # per sheet
MAX_CELL_CHARS = 2_000
MAX_TEXT_CHARS = 1_000_000  # every text cell of the workbook together
SHOWN_CHARS = 200  # of a cell's text in an error line


class WorkbookError(Exception):
    """The workbook cannot be imported; nothing was written. One line: sheet, cell, reason."""

    def __init__(self, sheet: str, cell: str, reason: str) -> None:
        self.sheet, self.cell, self.reason = cut(sheet), cell, reason
        # A position that is not one cell ("after row 12") is shown as it is.
        where = cell if cell.startswith(("row ", "after row ")) else f"cell {cell}"
        message = f"sheet {self.sheet}, {where}: {reason}"
        super().__init__(" ".join(message.splitlines()))


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """Text from the workbook as an error line shows it: at most `limit` characters."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def shown(text: str) -> str:
    """A cell's text quoted in an error line: cut, and on one line (repr escapes breaks)."""
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    return f"{text[:SHOWN_CHARS]!r}... ({len(text):,} characters)"


def read_file(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES.

    Opened without blocking (a FIFO with no writer would wait for one) and checked on the
    open descriptor, not the name: a symbolic link to /dev/zero, a FIFO or a directory is
    refused before a byte is read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise WorkbookError("-", "-", f"cannot read {path}: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO, device or socket"
        raise WorkbookError("-", "-", f"{path.name} is {kind}, not a regular file")
    with os.fdopen(fd, "rb") as file:
        try:
            raw = file.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise WorkbookError("-", "-", f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise WorkbookError(
            "-", "-", f"{path.name} is larger than {MAX_FILE_BYTES:,} bytes, the importer's limit"
        )
    return raw


def check_archive(raw: bytes, name: str) -> None:
    """Refuse a zip whose members would inflate past the limits, from their declared sizes."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        reason = f"{name} is not an Excel workbook (.xlsx): {cut(str(exc))}"
        raise WorkbookError("-", "-", reason) from None
    if len(members) > MAX_MEMBERS:
        reason = f"{name} has {len(members):,} zip members; the importer reads {MAX_MEMBERS:,}"
        raise WorkbookError("-", "-", reason)
    for member in members:
        if member.file_size > MAX_MEMBER_BYTES:
            reason = (
                f"zip member {cut(member.filename)!r} inflates to {member.file_size:,} bytes; "
                f"the importer reads at most {MAX_MEMBER_BYTES:,}"
            )
            raise WorkbookError("-", "-", reason)
    total = sum(m.file_size for m in members)
    if total > MAX_INFLATED_BYTES:
        reason = (
            f"{name} inflates to {total:,} bytes; the importer reads at most {MAX_INFLATED_BYTES:,}"
        )
        raise WorkbookError("-", "-", reason)


@dataclass
class Reading:
    """Where the reader is, for the line of an error it did not foresee, and the text it has
    read so far (the budget of MAX_TEXT_CHARS)."""

    sheet: str = "-"
    row: int = 0
    text_chars: int = 0

    def failed(self, exc: Exception) -> WorkbookError:
        """openpyxl could not parse what follows the last row read (bad XML, a cell that is
        not what its type says, a shared string that does not exist, a bad reference...)."""
        where = f"after row {self.row}" if self.row else "row 1"
        reason = f"the workbook's XML cannot be read: {type(exc).__name__}: {cut(str(exc))}"
        return WorkbookError(self.sheet, where, reason)


def cell_name(column: int, row: int) -> str:
    """A 0-based column and a row as Excel names the cell (A1)."""
    return f"{get_column_letter(column + 1)}{row}"


def rows(ws: Any, reading: Reading) -> Iterator[tuple[int, list[Any]]]:
    """(number, values) of each row of a sheet, blank text as None and no trailing blanks;
    openpyxl is asked for one row and one column past the limits, never more, so a sheet that
    says it has a million rows (or has them) costs as much as one that has MAX_ROWS."""
    reading.sheet, reading.row = ws.title, 0
    found = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
    for number, row in enumerate(found, start=1):
        values = [None if isinstance(v, str) and not v.strip() else v for v in row]
        while values and values[-1] is None:
            values.pop()
        if not values:
            reading.row = number
            continue  # an empty row past the last one is no row at all
        if number > MAX_ROWS:
            reason = f"the sheet has more than {MAX_ROWS:,} rows, the importer's limit"
            raise WorkbookError(ws.title, f"row {number}", reason)
        if len(values) > MAX_COLUMNS:
            reason = f"the sheet has more than {MAX_COLUMNS:,} columns, the importer's limit"
            raise WorkbookError(ws.title, cell_name(MAX_COLUMNS, number), reason)
        for column, value in enumerate(values):
            if not isinstance(value, str):
                continue
            if len(value) > MAX_CELL_CHARS:
                reason = (
                    f"a text of {len(value):,} characters, {value[:SHOWN_CHARS]!r}...; the "
                    f"importer reads at most {MAX_CELL_CHARS:,}"
                )
                raise WorkbookError(ws.title, cell_name(column, number), reason)
            reading.text_chars += len(value)
            if reading.text_chars > MAX_TEXT_CHARS:
                reason = (
                    f"the workbook holds more than {MAX_TEXT_CHARS:,} characters of text, "
                    "the importer's limit"
                )
                raise WorkbookError(ws.title, cell_name(column, number), reason)
        reading.row = number
        yield number, values
