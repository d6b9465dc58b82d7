"""Read one of NATO's workbooks into figures, by titles, captions, header years and names."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from seed.contract import decimal_text
from seed.workbook import limits
from seed.workbook.limits import WorkbookError, cut, shown
from seed.workbook.rules import MISSING, OPTIONAL, RANGES, RULES, TABLE_OF, Names, Rule, normal


@dataclass(frozen=True)
class Figure:
    """One value of the workbook, with where it was read."""

    indicator: str
    code: str
    is_aggregate: bool
    sheet: str
    year: int
    value: str
    is_estimate: bool
    rule: Rule
    table: str
    block: str | None
    cell: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.indicator, self.code, self.year)

    def note(self) -> str:
        block = f', block "{self.block}"' if self.block else ""
        return f"{self.table}{block}, cell {self.cell}."


@dataclass
class Workbook:
    """What one workbook says: its figures and the edition facts found in its own words."""

    name: str
    sha256: str
    size: int
    figures: list[Figure]
    core: bool
    base_year: int
    estimate_years: list[int]
    tables: dict[str, Counter[str]] = field(default_factory=dict)


# --- reading the workbook --------------------------------------------------------------------


def _year(value: Any) -> tuple[int, bool] | None:
    """A header cell as (year, is_estimate); None when it is not a year at all."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 1949 <= value <= 2100 or value != int(value):  # range first: inf, nan
            raise ValueError(f"{cut(repr(value))} is not a year")
        return int(value), False
    text = str(value).strip().rstrip("*").strip()
    if not text[:1].isdigit():
        return None
    match = re.fullmatch(r"(\d{4})\s*(e?)", text, flags=re.IGNORECASE)
    if not match or not 1949 <= int(match.group(1)) <= 2100:
        raise ValueError(f"{shown(str(value))} is not a year such as 2019, '2019' or '2024e'")
    return int(match.group(1)), bool(match.group(2))


def _value(value: Any) -> str | None:
    """The text of a figure as the cell holds it; None when missing; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return decimal_text(repr(value))
    text = str(value).strip()
    if text in MISSING:
        return None
    if text.startswith("#"):
        raise ValueError(f"the cell holds the Excel error {cut(text)}")
    try:
        return decimal_text(text)
    except ValueError:
        raise ValueError(f"{shown(text)} is not a number") from None


def _in_range(indicator: str, value: str) -> bool:
    low, high = RANGES.get(indicator, (Decimal(0), None))
    if indicator.startswith("real_change_"):
        low = Decimal(-100)
    number = Decimal(value)
    return (low is None or number >= low) and (high is None or number <= high)


@dataclass
class _Table:
    sheet: str
    label: str  # "Table 3"
    title: str  # normalized, without "Table 3 :"
    title_cell: str
    unit_lines: list[str] = field(default_factory=list)


_cell = limits.cell_name


def _read_sheet(
    ws: Any, names: Names, found: list[Figure], seen_words: list[str], reading: limits.Reading
) -> _Table | None:
    """Append the figures of one sheet to `found`; None when the sheet holds no table."""
    sheet = ws.title
    rows = limits.rows(ws, reading)
    table: _Table | None = None
    for number, values in rows:
        for col, value in enumerate(values):
            if isinstance(value, str):
                match = re.match(r"\s*table\s+(\w+)\s*:\s*(.+)", value, flags=re.IGNORECASE)
                if match:
                    table = _Table(
                        sheet,
                        f"Table {match.group(1)}",
                        normal(match.group(2)),
                        _cell(col, number),
                    )
                    seen_words.append(value)
                    break
        if table:
            break
    if table is None:
        return None
    header: dict[int, tuple[int, bool] | str] = {}
    header_row = 0
    for number, values in rows:
        texts = [v for v in values if v is not None]
        yearish = [v for v in texts if isinstance(v, int | float) or str(v).strip()[:1].isdigit()]
        if len(yearish) < 2:
            table.unit_lines.extend(str(v).strip() for v in texts)
            seen_words.extend(str(v) for v in texts)
            continue
        header_row = number
        for col, value in enumerate(values):
            if value is None:
                continue
            try:
                parsed = _year(value)
            except ValueError as exc:
                reason = f"cannot read the year: {exc}"
                raise WorkbookError(sheet, _cell(col, number), reason) from None
            header[col] = parsed if parsed is not None else str(value).strip()
        break
    if not header:
        raise WorkbookError(sheet, table.title_cell, "no header row of years under the title")
    first_col = min(header)
    unit_lines = normal(" ".join(table.unit_lines))
    caption: str | None = None
    caption_cell = table.title_cell
    rule: Rule | None = None
    columns: dict[int, tuple[int, bool]] = {}
    seen: dict[tuple[str, str, int], str] = {f.key: f.cell for f in found}
    for number, values in rows:
        label_cells = [(c, v) for c, v in enumerate(values[:first_col]) if v is not None]
        data = {c: v for c, v in enumerate(values) if c >= first_col and v is not None}
        label = " ".join(str(v).strip() for _, v in label_cells)
        if not data:
            if label:
                caption, caption_cell, rule = label.strip(), _cell(label_cells[0][0], number), None
                seen_words.append(caption)
            continue
        if not label:
            continue  # NATO's stray unlabelled rows (#REF!, zeros): not a figure of anyone
        label_cell = _cell(label_cells[-1][0], number)
        resolved = names.resolve(label)
        if resolved is None:
            raise WorkbookError(sheet, label_cell, f"unknown ally or aggregate name {shown(label)}")
        code, is_aggregate = resolved
        if rule is None:
            rule, columns = _block(table, unit_lines, caption, caption_cell, header, header_row)
        for col, (year, estimate) in columns.items():
            cell = _cell(col, number)
            try:
                value = _value(values[col] if col < len(values) else None)
            except ValueError as exc:
                raise WorkbookError(sheet, cell, cut(str(exc))) from None
            if value is None:
                continue
            indicator = _indicator_id(rule, header[col])
            if not _in_range(indicator, value):
                raise WorkbookError(sheet, cell, f"{cut(value)} is out of range for {indicator}")
            figure = Figure(
                indicator,
                code,
                is_aggregate,
                sheet,
                year,
                value,
                estimate,
                rule,
                table.label,
                caption,
                cell,
            )
            if figure.key in seen:
                raise WorkbookError(
                    sheet,
                    cell,
                    f"a second value for {indicator} {code} {year} (first at {seen[figure.key]})",
                )
            seen[figure.key] = f"{sheet}!{cell}"
            found.append(figure)
    return table


def _indicator_id(rule: Rule, column_header: tuple[int, bool] | str) -> str:
    if rule.column is None or not isinstance(column_header, str):
        return rule.indicator
    match = re.search(rule.column, normal(column_header))
    assert match is not None  # the column was chosen by this pattern
    return rule.indicator.format(first=match.group(1), last=match.group(2))


def _block(
    table: _Table,
    unit_lines: str,
    caption: str | None,
    caption_cell: str,
    header: dict[int, tuple[int, bool] | str],
    header_row: int,
) -> tuple[Rule, dict[int, tuple[int, bool]]]:
    """The rule for a block and the columns it reads, as (year, is_estimate) per column."""
    normal_caption = normal(caption) if caption else None
    for rule in RULES:
        if not rule.matches(table.title, unit_lines, normal_caption):
            continue
        if rule.column is None:
            years = {c: h for c, h in header.items() if isinstance(h, tuple)}
            texts = [(c, h) for c, h in header.items() if isinstance(h, str)]
            if texts:
                col, text = texts[0]
                raise WorkbookError(
                    table.sheet, _cell(col, header_row), f"cannot read the year {shown(text)}"
                )
            return rule, years
        for col, head in header.items():
            match = isinstance(head, str) and re.search(rule.column, normal(head))
            if match:
                assert isinstance(head, str)
                estimate = bool(re.search(r"\d{4}\s*e\b", head, flags=re.IGNORECASE))
                return rule, {col: (int(match.group(2)), estimate)}
    where = f"block {shown(caption)}" if caption else "its only block"
    raise WorkbookError(
        table.sheet,
        caption_cell,
        f"{where} of {table.label} ({shown(table.title)}) is not a block this importer knows",
    )


def read_workbook(path: Path, allies: Iterable[dict[str, Any]]) -> Workbook:
    """Every figure of the workbook at `path`; WorkbookError names the sheet, cell and reason.

    Within limits.py's bounds of size, rows, columns and text; whatever openpyxl raises
    while it parses is a WorkbookError too, never a traceback.
    """
    with warnings.catch_warnings():
        # openpyxl warns about what it does not read (a missing default style, data
        # validation, extensions): nothing a figure depends on, and never a second line.
        warnings.simplefilter("ignore")
        return _read_workbook(path, allies)


def _read_workbook(path: Path, allies: Iterable[dict[str, Any]]) -> Workbook:
    raw = limits.read_file(path)
    if not raw:
        raise WorkbookError("-", "-", f"{path.name} is empty, not an Excel workbook")
    limits.check_archive(raw, path.name)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, XML and key errors alike
        reason = f"{path.name} is not an Excel workbook (.xlsx): {cut(str(exc))}"
        raise WorkbookError("-", "-", reason) from None
    names = Names(allies)
    figures: list[Figure] = []
    words: list[str] = []
    tables: dict[str, Counter[str]] = {}
    reading = limits.Reading()
    try:
        sheets = book.worksheets
        if len(sheets) > limits.MAX_SHEETS:
            reason = f"{len(sheets):,} sheets; the importer reads at most {limits.MAX_SHEETS}"
            raise WorkbookError("-", "-", reason)
        for ws in sheets:
            table = _read_sheet(ws, names, figures, words, reading)
            if table:
                tables[f"{table.label} ({ws.title})"] = Counter(
                    f.indicator for f in figures if f.table == table.label
                )
    except WorkbookError:
        raise
    except Exception as exc:  # the XML of a sheet, its cells or shared strings are broken
        raise reading.failed(exc) from None
    finally:
        book.close()
    _check_complete(figures, [ws.title for ws in sheets])
    core = any("core defence expenditure" in w.lower() for w in words)
    bases = {int(y) for w in words for y in re.findall(r"\b(\d{4}) prices", w, flags=re.I)}
    if len(bases) != 1:
        found = ", ".join(map(str, sorted(bases))) or "none"
        raise WorkbookError(
            "-",
            "-",
            f"expected one constant-price base year ('Based on 2021 prices'), found {found}",
        )
    base = bases.pop()
    return Workbook(
        name=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        figures=figures,
        core=core,
        base_year=base,
        estimate_years=sorted({f.year for f in figures if f.is_estimate}),
        tables=tables,
    )


def _check_complete(figures: list[Figure], sheets: list[str]) -> None:
    present = {f.rule.indicator for f in figures}
    for rule in RULES:
        if rule.indicator not in present and rule.indicator not in OPTIONAL:
            table = TABLE_OF.get(rule.indicator)
            hint = f" (looked for {table!r})" if table else ""
            raise WorkbookError(
                "-",
                "-",
                f"missing table: no {rule.indicator} figures{hint} in the sheets "
                f"{cut(', '.join(sheets))}",
            )
