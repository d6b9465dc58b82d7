"""`nato-api import-workbook` on hostile files: one line (sheet, cell, reason), nothing written.

Every file is crafted here: a one-sheet workbook written by openpyxl whose sheet or shared
strings are then replaced by a few lines of XML (zipfile), or a path that is not a file.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from app.cli import cli
from seed.workbook import limits
from seed.workbook.rules import label_key, without_last_parenthesis

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
# openpyxl writes no shared strings; a workbook given some declares them, as Excel does.
PART = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
TITLE = '<row r="1"><c r="A1" t="inlineStr"><is><t>Table 1 : Defence expenditure</t></is></c></row>'


def workbook(members: dict[str, bytes], sheets: int = 1) -> bytes:
    """An .xlsx of `sheets` sheets (TABLE1...) whose members named in `members` are replaced."""
    book = openpyxl.Workbook()
    book.active.title = "TABLE1"
    book.active["A1"] = "Table 1 : Defence expenditure"
    for number in range(2, sheets + 1):
        book.create_sheet(f"TABLE{number}")
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "[Content_Types].xml" and STRINGS in members:
                dst.writestr(info.filename, src.read(info.filename).replace(b"</Types>", PART))
            elif info.filename not in members:
                dst.writestr(info.filename, src.read(info.filename))
        for name, data in members.items():
            dst.writestr(name, data)
    return out.getvalue()


def sheet(rows: str, head: str = "") -> bytes:
    return f'<worksheet xmlns="{NS}">{head}<sheetData>{rows}</sheetData></worksheet>'.encode()


def text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def one_sheet(rows: str, head: str = "") -> bytes:
    return workbook({SHEET: sheet(rows, head)})


def many_rows(count: int) -> bytes:
    return one_sheet(
        "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(1, count))
    )


def strings_of(size: int) -> bytes:
    item = b"<si><t>defence</t></si>"
    body = item * (size // len(item) + 1)
    return b'<sst xmlns="%s">%s</sst>' % (NS.encode(), body)


def unknown_ally(label: str) -> bytes:
    """A table, a header of years and one row whose label names no ally."""
    header = f'<row r="2">{text("C2", "2014")}{text("D2", "2015")}</row>'
    row = f'<row r="3">{text("A3", label)}<c r="C3"><v>1</v></c></row>'
    return one_sheet(TITLE + header + row)


TRUNCATED = sheet(TITLE + '<row r="2"><c r="A2"><v>1</v></c></row>', '<dimension ref="A1:A2"/>')

HOSTILE: dict[str, tuple[bytes, str]] = {
    "truncated sheet XML": (
        workbook({SHEET: TRUNCATED[:-40]}),
        "sheet TABLE1, after row 1: the workbook's XML cannot be read: ParseError",
    ),
    "shared string index out of range": (
        workbook(
            {
                STRINGS: strings_of(100),
                SHEET: sheet(TITLE + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'),
            }
        ),
        "sheet TABLE1, after row 1: the workbook's XML cannot be read: IndexError",
    ),
    "a number that is not one": (
        one_sheet('<row r="1"><c r="A1"><v>20x14</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError: invalid literal",
    ),
    "a date that is not one": (
        one_sheet('<row r="1"><c r="A1" t="d"><v>yesterday</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError: Invalid datetime",
    ),
    "a boolean that is not one": (
        one_sheet('<row r="1"><c r="A1" t="b"><v>maybe</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError",
    ),
    "an integer of 5,000 digits": (
        one_sheet(f'<row r="1"><c r="A1"><v>{"9" * 5000}</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError: Exceeds the limit",
    ),
    "a huge cell reference": (
        one_sheet(f'<row r="1"><c r="{"A" * 40}{"9" * 40}"><v>1</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError:",
    ),
    "a row number that is not one": (
        one_sheet('<row r="1.5"><c r="A1"><v>1</v></c></row>'),
        "sheet TABLE1, row 1: the workbook's XML cannot be read: ValueError: 1.5 is not",
    ),
    "a styles part openpyxl warns about": (
        workbook({"xl/styles.xml": f'<styleSheet xmlns="{NS}"/>'.encode()}),
        "sheet TABLE1, cell A1: no header row of years under the title",
    ),
    "shared strings that inflate past the limit": (
        workbook({STRINGS: strings_of(limits.MAX_MEMBER_BYTES)}),
        "sheet -, cell -: zip member 'xl/sharedStrings.xml' inflates to 4,194,",
    ),
    "more rows than the limit": (
        many_rows(limits.MAX_ROWS + 2),
        "sheet TABLE1, row 2001: the sheet has more than 2,000 rows, the importer's limit",
    ),
    "more columns than the limit": (
        one_sheet(TITLE + '<row r="2"><c r="IW2"><v>1</v></c></row>'),
        "sheet TABLE1, cell IW2: the sheet has more than 256 columns, the importer's limit",
    ),
    "more sheets than the limit": (
        workbook({}, sheets=limits.MAX_SHEETS + 1),
        "sheet -, cell -: 65 sheets; the importer reads at most 64",
    ),
    "a label of a million (": (
        one_sheet(f'<row r="1">{text("A1", "(" * 1_000_000)}</row>'),
        "sheet TABLE1, cell A1: a text of 1,000,000 characters, '((((",
    ),
    "more text than the limit": (
        one_sheet(
            "".join(
                f'<row r="{i}">{text(f"A{i}", "x" * limits.MAX_CELL_CHARS)}</row>'
                for i in range(1, limits.MAX_TEXT_CHARS // limits.MAX_CELL_CHARS + 2)
            )
        ),
        "sheet TABLE1, cell A501: the workbook holds more than 1,000,000 characters of text",
    ),
    "an unknown name of 1,500 characters": (
        unknown_ally("Atlantis " * 166 + "end"),
        "sheet TABLE1, cell A3: unknown ally or aggregate name 'Atlantis Atlantis ",
    ),
}


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def refused(data: Path, path: Path) -> str:
    """The one line a refused import prints; the data folder is checked unchanged."""
    before = snapshot(data)
    args = ["import-workbook", str(path), "--edition", "2024-07", "--title", "T"]
    result = CliRunner().invoke(cli, [*args, "--published-on", "2024-06-18", "--data", str(data)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # (Not stdout: a live server of an earlier test may still flush its access log there.)
    [line] = result.stderr.splitlines()
    assert line.startswith(f"import-workbook: {path}: "), line
    assert snapshot(data) == before
    return line


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_workbook_is_one_line_naming_sheet_cell_and_reason(
    case: str, data_copy: Path, tmp_path: Path
) -> None:
    content, expected = HOSTILE[case]
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(content)
    line = refused(data_copy, path)
    assert expected in line, line
    # No cell's text is shown past 200 characters (the reason around it is the importer's).
    assert len(line) < len(f"import-workbook: {path}: ") + 400, line


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(
    data_copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "large.xlsx"
    with path.open("wb") as file:
        file.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: no disk used
    line = refused(data_copy, path)
    assert line.endswith("large.xlsx is larger than 4,194,304 bytes, the importer's limit")


@pytest.mark.parametrize("kind", ["fifo", "symlink to /dev/zero", "directory"])
def test_only_a_regular_file_is_opened(kind: str, data_copy: Path, tmp_path: Path) -> None:
    """A FIFO with no writer would block the read forever, /dev/zero never ends."""
    path = tmp_path / "book.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    line = refused(data_copy, path)
    what = "a directory" if kind == "directory" else "a FIFO, device or socket"
    assert line.endswith(f"book.xlsx is {what}, not a regular file")


def test_a_zip_that_lies_about_a_member_size_is_read_no_further_than_it_says(
    data_copy: Path, tmp_path: Path
) -> None:
    """zipfile stops inflating at the declared size, so checking it bounds the real one: a
    member that says 100 bytes and inflates to 10 MB fails its CRC, never costs 10 MB."""
    content = bytearray(workbook({STRINGS: strings_of(10 * 2**20)}))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo(STRINGS)
    # The name's last occurrence is in the central directory, after a 46-byte header.
    at = content.rindex(STRINGS.encode()) - 46
    assert content[at : at + 4] == b"PK\x01\x02"
    content[at + 24 : at + 28] = (100).to_bytes(4, "little")  # its uncompressed size
    assert info.file_size > limits.MAX_MEMBER_BYTES
    path = tmp_path / "liar.xlsx"
    path.write_bytes(bytes(content))
    line = refused(data_copy, path)
    assert "Bad CRC-32" in line or "not an Excel workbook" in line, line


@given(st.text(alphabet="()a *\n\t\u2003\x1c", max_size=12))
def test_without_last_parenthesis_is_the_pattern_it_replaces(label: str) -> None:
    assert without_last_parenthesis(label) == re.sub(r"\([^)]*\)\s*$", "", label)


def test_a_label_of_a_million_parentheses_is_read_in_linear_time() -> None:
    """The pattern it replaces ran for minutes on this (quadratic); str methods are linear."""
    assert label_key("(" * 1_000_000) == "(" * 1_000_000
    # Short runs between parentheses: the old pattern is fast here, and says what to expect.
    mixed = "".join(random.Random(23).choices("() ", k=1_000_000)) + " (Lek)"
    expected = re.sub(r"\([^)]*\)\s*$", "", mixed)
    assert label_key(mixed) == re.sub(r"\s+", " ", expected).strip()
