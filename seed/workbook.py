"""Read NATO's "Defence Expenditure of NATO Countries" workbook into the data files as an edition.

The workbook is read by meaning, not by cell address (see ../shared/fixtures/README.md for the
layout NATO keeps every year): a table is found by its title (`Table 3 : ...`), a block by its
caption (`Share of real GDP (%)`), a year by the header row (2014, '2019', '2024e'), an ally by
its name in NATO's old or new spelling. Values are kept as the cells hold them: the text of a
number is the shortest decimal of the cell's double (Python's repr), an integer cell stays an
integer; `..`, blanks and `#REF!` are missing, never 0.

Hand-written because no library reads this report layout; openpyxl reads the cells.

All or nothing: the new files are built in memory, validated with the loader's own rules
(`seed.loader.read_dataset`) on a temporary copy of the data folder, and only then written.
Each file is replaced atomically (a temporary file in the same folder, fsync, `os.replace`);
across files the replacement is ordered so that every prefix is a valid dataset: sources and
editions first, then the figures that point to them. A crash between two replacements can
leave the new edition's row without all its figures, never a figure without its edition.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from seed.loader import DATA_FILES, SeedError, decimal_text, fold, read_dataset

DEFINITIONS = {False: "nato_defence_expenditure", True: "core_defence_expenditure"}
# NATO's spellings that are neither allies.csv `name` nor `iso_name`, old and new.
ALLY_ALIASES = {
    "turkey": "TUR",
    "turkiye": "TUR",
    "czech republic": "CZE",
    "slovakia": "SVK",
    "the former yugoslav republic of macedonia": "MKD",
    "former yugoslav republic of macedonia": "MKD",
    "fyr macedonia": "MKD",
}
AGGREGATES = {
    "nato europe and canada": "NATO_EUROPE_CANADA",
    "nato europe": "NATO_EUROPE",
    "nato total": "NATO_TOTAL",
}
MISSING = {"", "..", "#REF!"}
THRESHOLDS = (Decimal("2"), Decimal("3.5"))


class WorkbookError(Exception):
    """The workbook cannot be imported; nothing was written."""

    def __init__(self, sheet: str, cell: str, reason: str) -> None:
        self.sheet, self.cell, self.reason = sheet, cell, reason
        super().__init__(f"sheet {sheet}, cell {cell}: {reason}")


@dataclass(frozen=True)
class Rule:
    """Where an indicator is in the workbook: the table title, its unit line, the block caption
    (all matched on normalized text), or a column caption for Table 4's single column."""

    indicator: str
    title: str
    caption: str | None = None
    unit_line: str | None = None
    column: str | None = None
    # The unit text of the dataset's rows, per definition; {base} is the constant-price year.
    unit: str = ""
    core_unit: str = ""

    def matches(self, title: str, unit_lines: str, caption: str | None) -> bool:
        if not re.search(self.title, title):
            return False
        if self.unit_line and not re.search(self.unit_line, unit_lines):
            return False
        if self.caption is None:
            return True
        return caption is not None and re.search(self.caption, caption) is not None

    def unit_for(self, core: bool, base: int, indicator: str) -> str:
        first, last = indicator.split("_")[-2:]
        return (self.core_unit if core else self.unit).format(base=base, first=first, last=last)


CORE = " (core defence expenditure)"
RULES: tuple[Rule, ...] = (
    Rule(
        "ncu_current",
        r"^defence expenditure$",
        r"^current prices",
        unit_line="national currency",
        unit="million national currency units, current prices",
        core_unit="million national currency units, current prices" + CORE,
    ),
    Rule(
        "ncu_constant",
        r"^defence expenditure$",
        r"^constant",
        unit_line="national currency",
        unit="million national currency units, constant {base} prices",
        core_unit="million national currency units, constant {base} prices" + CORE,
    ),
    Rule(
        "usd_current",
        r"^defence expenditure$",
        r"^current prices",
        unit_line="us dollars",
        unit="million US dollars, current prices and exchange rates",
        core_unit="million US dollars, current prices and exchange rates" + CORE,
    ),
    Rule(
        "usd_constant",
        r"^defence expenditure$",
        r"^constant",
        unit_line="us dollars",
        unit="million US dollars, constant {base} prices and exchange rates",
        core_unit="million US dollars, constant {base} prices and exchange rates" + CORE,
    ),
    Rule(
        "share_gdp",
        r"share of gdp",
        r"^share of (real )?gdp",
        unit='% of GDP (NATO "share of real GDP", based on {base} prices)',
        core_unit=(
            '% of GDP (NATO "share of real GDP", based on {base} prices; core defence expenditure)'
        ),
    ),
    Rule(
        "real_change",
        r"share of gdp",
        r"^annual real change",
        unit="% annual real change (based on {base} prices)",
        core_unit="% annual real change (based on {base} prices; core defence expenditure)",
    ),
    Rule(
        "real_change_{first}_{last}",
        r"real change \d{4}\s*-\s*\d{4}",
        column=r"^real change (\d{4})\s*-\s*(\d{4})",
        unit=(
            "% cumulative real change in defence expenditure {first} to {last}e "
            "({base} prices and exchange rates)"
        ),
        core_unit=(
            "% cumulative real change in core defence expenditure {first} to {last}e "
            "({base} prices and exchange rates)"
        ),
    ),
    Rule(
        "gdp_usd_current",
        r"^gdp$",
        r"^current prices",
        unit="million US dollars, current prices and exchange rates",
        core_unit="million US dollars, current prices and exchange rates",
    ),
    Rule(
        "gdp_usd_constant",
        r"^gdp$",
        r"^constant",
        unit="million US dollars, constant {base} prices and exchange rates (real GDP)",
        core_unit="million US dollars, constant {base} prices and exchange rates (real GDP)",
    ),
    Rule(
        "gdp_per_capita",
        r"per capita",
        r"^gdp per capita",
        unit="thousand US dollars per capita, {base} prices and exchange rates",
        core_unit="thousand US dollars per capita, {base} prices and exchange rates",
    ),
    Rule(
        "expenditure_per_capita",
        r"per capita",
        r"^defence expenditure per capita",
        unit="US dollars per capita, {base} prices and exchange rates",
        core_unit="US dollars per capita, {base} prices and exchange rates" + CORE,
    ),
    Rule(
        "military_personnel",
        r"^military personnel$",
        unit="thousands of military personnel",
        core_unit="thousands of military personnel",
    ),
    Rule(
        "equipment_share",
        r"by main category",
        r"^equipment",
        unit="% of total defence expenditure (equipment = major equipment incl. related R&D)",
        core_unit="% of core defence expenditure (equipment = major equipment incl. related R&D)",
    ),
    Rule(
        "personnel_share",
        r"by main category",
        r"^personnel",
        unit="% of total defence expenditure (personnel incl. pensions)",
        core_unit="% of core defence expenditure (personnel incl. pensions)",
    ),
    Rule(
        "infrastructure_share",
        r"by main category",
        r"^infrastructure",
        unit="% of total defence expenditure",
        core_unit="% of core defence expenditure",
    ),
    Rule(
        "other_share",
        r"by main category",
        r"^other",
        unit="% of total defence expenditure (O&M, other R&D, unallocated)",
        core_unit="% of core defence expenditure (O&M, other R&D, unallocated)",
    ),
)
# Table 4 is the only optional table: NATO's 2026 workbook has none.
OPTIONAL = {"real_change_{first}_{last}"}
# Physical limits, not plausibility: a share is a percentage, money and people are not negative,
# spending cannot fall by more than all of it.
RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "share_gdp": (Decimal(0), Decimal(100)),
    "equipment_share": (Decimal(0), Decimal(100)),
    "personnel_share": (Decimal(0), Decimal(100)),
    "infrastructure_share": (Decimal(0), Decimal(100)),
    "other_share": (Decimal(0), Decimal(100)),
    "real_change": (Decimal(-100), None),
}


def _normal(text: str) -> str:
    """Lower-case text without footnote markers, '(a)' notes, 'core' and extra spaces."""
    text = re.sub(r"\*|\(\s*[a-z]\s*\)|\bcore\b", " ", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip().lower()


def _label_key(label: str) -> str:
    """An ally or aggregate label as a lookup key: no footnote marker, no currency label."""
    without_currency = re.sub(r"\([^)]*\)\s*$", "", label.replace("*", " "))
    return re.sub(r"\s+", " ", fold(without_currency)).strip()


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
        if value != int(value) or not 1949 <= value <= 2100:
            raise ValueError(f"{value!r} is not a year")
        return int(value), False
    text = str(value).strip().rstrip("*").strip()
    if not text[:1].isdigit():
        return None
    match = re.fullmatch(r"(\d{4})\s*(e?)", text, flags=re.IGNORECASE)
    if not match or not 1949 <= int(match.group(1)) <= 2100:
        raise ValueError(f"{value!r} is not a year such as 2019, '2019' or '2024e'")
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
        raise ValueError(f"the cell holds the Excel error {text}")
    try:
        return decimal_text(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


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


class _Names:
    """Ally and aggregate names as NATO writes them, to ISO3 or aggregate codes."""

    def __init__(self, allies: Iterable[dict[str, Any]]) -> None:
        self.allies: dict[str, str] = dict(ALLY_ALIASES)
        for ally in allies:
            self.allies[_label_key(ally["name"])] = ally["iso3"]
            self.allies[_label_key(ally["iso_name"])] = ally["iso3"]

    def resolve(self, label: str) -> tuple[str, bool] | None:
        key = _label_key(label)
        if key in AGGREGATES:
            return AGGREGATES[key], True
        if key in self.allies:
            return self.allies[key], False
        return None


def _rows(ws: Any) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        yield number, [None if isinstance(v, str) and not v.strip() else v for v in row]


def _cell(column: int, row: int) -> str:
    return f"{get_column_letter(column + 1)}{row}"


def _read_sheet(
    ws: Any, names: _Names, found: list[Figure], seen_words: list[str]
) -> _Table | None:
    """Append the figures of one sheet to `found`; None when the sheet holds no table."""
    sheet = ws.title
    rows = iter(_rows(ws))
    table: _Table | None = None
    for number, values in rows:
        for col, value in enumerate(values):
            if isinstance(value, str):
                match = re.match(r"\s*table\s+(\w+)\s*:\s*(.+)", value, flags=re.IGNORECASE)
                if match:
                    table = _Table(
                        sheet,
                        f"Table {match.group(1)}",
                        _normal(match.group(2)),
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
    unit_lines = _normal(" ".join(table.unit_lines))
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
            raise WorkbookError(sheet, label_cell, f"unknown ally or aggregate name {label!r}")
        code, is_aggregate = resolved
        if rule is None:
            rule, columns = _block(table, unit_lines, caption, caption_cell, header, header_row)
        for col, (year, estimate) in columns.items():
            cell = _cell(col, number)
            try:
                value = _value(values[col] if col < len(values) else None)
            except ValueError as exc:
                raise WorkbookError(sheet, cell, str(exc)) from None
            if value is None:
                continue
            indicator = _indicator_id(rule, header[col])
            if not _in_range(indicator, value):
                raise WorkbookError(sheet, cell, f"{value} is out of range for {indicator}")
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
    match = re.search(rule.column, _normal(column_header))
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
    normal_caption = _normal(caption) if caption else None
    for rule in RULES:
        if not rule.matches(table.title, unit_lines, normal_caption):
            continue
        if rule.column is None:
            years = {c: h for c, h in header.items() if isinstance(h, tuple)}
            texts = [(c, h) for c, h in header.items() if isinstance(h, str)]
            if texts:
                col, text = texts[0]
                raise WorkbookError(
                    table.sheet, _cell(col, header_row), f"cannot read the year {text!r}"
                )
            return rule, years
        for col, head in header.items():
            match = isinstance(head, str) and re.search(rule.column, _normal(head))
            if match:
                assert isinstance(head, str)
                estimate = bool(re.search(r"\d{4}\s*e\b", head, flags=re.IGNORECASE))
                return rule, {col: (int(match.group(2)), estimate)}
    where = f"block {caption!r}" if caption else "its only block"
    raise WorkbookError(
        table.sheet,
        caption_cell,
        f"{where} of {table.label} ({table.title!r}) is not a block this importer knows",
    )


def read_workbook(path: Path, allies: Iterable[dict[str, Any]]) -> Workbook:
    """Every figure of the workbook at `path`; WorkbookError names the sheet, cell and reason."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WorkbookError("-", "-", f"cannot read {path}: {exc.strerror}") from None
    if not raw:
        raise WorkbookError("-", "-", f"{path.name} is empty, not an Excel workbook")
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, XML and key errors alike
        raise WorkbookError(
            "-", "-", f"{path.name} is not an Excel workbook (.xlsx): {exc}"
        ) from None
    names = _Names(allies)
    figures: list[Figure] = []
    words: list[str] = []
    tables: dict[str, Counter[str]] = {}
    try:
        for ws in book.worksheets:
            table = _read_sheet(ws, names, figures, words)
            if table:
                tables[f"{table.label} ({ws.title})"] = Counter(
                    f.indicator for f in figures if f.table == table.label
                )
    finally:
        book.close()
    _check_complete(figures, [ws.title for ws in book.worksheets])
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


# The table each indicator is in, as NATO titles it, for the "missing table" message.
TABLE_OF = {
    "ncu_current": "Table 1 : Defence expenditure (Million national currency units)",
    "usd_current": "Table 2 : Defence expenditure (Million US dollars)",
    "share_gdp": "Table 3 : Defence expenditure as a share of GDP and annual real change",
    "gdp_usd_current": "Table 5 : GDP",
    "gdp_per_capita": "Table 6 : GDP per capita and defence expenditure per capita",
    "military_personnel": "Table 7 : Military personnel",
    "equipment_share": "Table 8a/8b : Distribution of defence expenditure by main category",
}


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
                f"{', '.join(sheets)}",
            )


# --- writing the edition ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditionInfo:
    """What the command line says about the edition; the rest comes from the workbook."""

    id: str
    title: str
    published_on: dt.date
    cutoff_on: dt.date | None = None
    source_id: str | None = None
    source_url: str | None = None

    @property
    def source(self) -> str:
        return self.source_id or f"nato-workbook-{self.id}"


@dataclass
class Plan:
    """The files to write (name -> full new content), rows added per file, the summary."""

    files: dict[str, bytes]
    added: dict[str, int]
    summary: list[str]


def _csv(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def plan_import(
    data_dir: Path,
    current: dict[str, list[dict[str, Any]]],
    book: Workbook,
    info: EditionInfo,
    *,
    replace: bool,
) -> Plan:
    """The new data files and the summary; nothing is written here."""
    editions = {e["id"] for e in current["editions.csv"]}
    sources = {s["id"] for s in current["sources.csv"]}
    if info.id in editions and not replace:
        raise WorkbookError(
            "-", "-", f"edition {info.id} exists in {data_dir}; give --replace to replace it"
        )
    if info.source in sources and not replace:
        raise WorkbookError(
            "-", "-", f"source {info.source} exists in sources.csv; give another --source-id"
        )
    indicators = {i["id"] for i in current["indicators.csv"]}
    for figure in book.figures:
        if figure.indicator not in indicators:
            raise WorkbookError(
                figure.sheet,
                figure.cell,
                f"indicator {figure.indicator} is not in indicators.csv; add it first",
            )

    def ours(edition_col: int, source_col: int) -> Callable[[list[str]], bool]:
        return lambda r: r[edition_col] == info.id and r[source_col] == info.source

    obs = [_observation_row(f, book, info) for f in book.figures if not f.is_aggregate]
    agg = [_aggregate_row(f, book, info) for f in book.figures if f.is_aggregate]
    changes: dict[str, tuple[Callable[[list[str]], bool], list[list[str]]]] = {
        "sources.csv": (lambda r: r[0] == info.source, [_source_row(book, info)]),
        "editions.csv": (lambda r: r[0] == info.id, [_edition_row(book, info)]),
        "observations.csv": (ours(4, 6), obs),
        "aggregates.csv": (ours(6, 8), agg),
    }
    files: dict[str, bytes] = {}
    added: dict[str, int] = {}
    for name, (matches, rows) in changes.items():
        raw = (data_dir / name).read_text(encoding="utf-8")
        files[name], removed = _replace_rows(raw, matches, rows)
        added[name] = len(rows) - removed
    summary = _summary(book, info, current, replaced=info.id in editions)
    return Plan(files, added, summary)


def _replace_rows(
    raw: str, matches: Callable[[list[str]], bool], new: list[list[str]]
) -> tuple[bytes, int]:
    """The file with the records that `matches` replaced by `new`, where the first of them was
    (at the end when none matched), and how many were removed. A file that loses no record
    keeps its bytes: the new rows are appended."""
    records = list(csv.reader(io.StringIO(raw, newline="")))
    drop = [i for i, r in enumerate(records[1:], start=1) if matches(r)]
    if not drop:
        return (raw + _csv(new)).encode("utf-8"), 0
    kept = [r for i, r in enumerate(records) if i not in set(drop)]
    at = drop[0]
    return _csv([*kept[:at], *new, *kept[at:]]).encode("utf-8"), len(drop)


def _edition_row(book: Workbook, info: EditionInfo) -> list[str]:
    per_ally = sum(1 for f in book.figures if not f.is_aggregate)
    years = sorted({f.year for f in book.figures})
    notes = (
        f"Every table of NATO's Excel workbook {book.name} (source {info.source}, sha256 "
        f"{book.sha256}), read by nato-api import-workbook: {per_ally} per-ally figures and "
        f"{len(book.figures) - per_ally} aggregates, {years[0]}-{years[-1]}. Definition, "
        "constant-price base year and estimate years as the workbook's own words give them."
    )
    return [
        info.id,
        info.title,
        "NATO",
        info.published_on.isoformat(),
        info.cutoff_on.isoformat() if info.cutoff_on else "",
        "expenditure_report",
        str(book.base_year),
        " ".join(map(str, book.estimate_years)),
        "true",
        DEFINITIONS[book.core],
        notes,
    ]


def _source_row(book: Workbook, info: EditionInfo) -> list[str]:
    return [
        info.source,
        f"{info.title}: Excel tables {book.name}",
        info.source_url or "",
        "NATO International Staff",
        "official_nato_file",
        "high",
        f"NATO's own workbook {book.name} ({book.size} bytes, sha256 {book.sha256}), read cell "
        "by cell by nato-api import-workbook; values as the cells hold them (the shortest "
        "decimal of each double); '..', blanks and #REF! left out as missing.",
    ]


def _unit(figure: Figure, book: Workbook) -> str:
    return figure.rule.unit_for(book.core, book.base_year, figure.indicator)


def _observation_row(figure: Figure, book: Workbook, info: EditionInfo) -> list[str]:
    return [
        figure.indicator,
        figure.code,
        str(figure.year),
        figure.value,
        info.id,
        "true" if figure.is_estimate else "false",
        info.source,
        _unit(figure, book),
        figure.note(),
    ]


def _aggregate_row(figure: Figure, book: Workbook, info: EditionInfo) -> list[str]:
    return [
        figure.code,
        figure.indicator,
        str(figure.year),
        figure.value,
        "",
        _unit(figure, book),
        info.id,
        "true" if figure.is_estimate else "false",
        info.source,
        figure.note(),
    ]


# --- the summary -------------------------------------------------------------------------------


def _printed(value: str) -> Decimal:
    """The value as NATO prints it (2 decimals, half up), as the compliance rules count."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _summary(
    book: Workbook, info: EditionInfo, current: dict[str, list[dict[str, Any]]], *, replaced: bool
) -> list[str]:
    figures = book.figures
    allies = sorted({f.code for f in figures if not f.is_aggregate})
    years = sorted({f.year for f in figures})
    lines = [
        f"{'replace' if replaced else 'new'} edition {info.id} from {book.name} "
        f"(sha256 {book.sha256[:12]}): {DEFINITIONS[book.core]}, {book.base_year} prices, "
        f"estimates {' '.join(map(str, book.estimate_years)) or 'none'}",
        f"figures: {sum(not f.is_aggregate for f in figures)} per ally, "
        f"{sum(f.is_aggregate for f in figures)} aggregates; {len(allies)} allies "
        f"({' '.join(allies)}); years {years[0]}-{years[-1]}",
    ]
    for table, counts in book.tables.items():
        parts = ", ".join(f"{ind} {n}" for ind, n in counts.items())
        lines.append(f"  {table}: {parts}")
    lines.extend(_against_previous(book, info, current))
    return lines


def _against_previous(
    book: Workbook, info: EditionInfo, current: dict[str, list[dict[str, Any]]]
) -> list[str]:
    editions = {e["id"]: e for e in current["editions.csv"]}
    with_figures = {o["edition"] for o in current["observations.csv"]}
    earlier = [
        e
        for e in editions.values()
        if e["id"] != info.id and e["id"] in with_figures and e["published_on"] < info.published_on
    ]
    if not earlier:
        return ["against the previous edition: none is older"]
    previous = max(earlier, key=lambda e: e["published_on"])
    prev_id = previous["id"]
    comparable_base = previous["constant_price_base_year"] == book.base_year
    old: dict[tuple[str, str, int], str] = {
        (o["indicator"], o["ally_iso3"], o["year"]): o["value"]
        for o in current["observations.csv"]
        if o["edition"] == prev_id
    }
    revised: list[tuple[Decimal, Figure, str]] = []
    common = 0
    for figure in book.figures:
        before = old.get(figure.key)
        if figure.is_aggregate or before is None:
            continue
        if not comparable_base and "{base}" in figure.rule.unit:
            continue  # constant prices of two base years are not comparable
        common += 1
        if Decimal(before) != Decimal(figure.value):
            revised.append((Decimal(figure.value) - Decimal(before), figure, before))
    lines = [
        f"against {prev_id} ({previous['title']}): {len(revised)} of {common} common per-ally "
        "figures revised"
        + ("" if comparable_base else " (constant-price figures left out: another base year)")
        + (
            "; definition changed"
            if DEFINITIONS[book.core] != previous["expenditure_definition"]
            else ""
        )
    ]
    shares = sorted((r for r in revised if r[1].indicator == "share_gdp"), key=lambda r: -abs(r[0]))
    for delta, figure, before in shares[:5]:
        lines.append(
            f"  largest share_gdp revision: {figure.code} {figure.year} {before} -> "
            f"{figure.value} ({delta:+.2f} pp)"
        )
    lines.extend(_crossings(book, old, prev_id))
    return lines


def _crossings(book: Workbook, old: dict[tuple[str, str, int], str], prev_id: str) -> list[str]:
    shares = {f.code: f for f in book.figures if f.indicator == "share_gdp" and not f.is_aggregate}
    if not shares:
        return []
    latest = max(f.year for f in shares.values())
    now = {code: _printed(f.value) for code, f in shares.items() if f.year == latest}
    year_before = {
        f.code: _printed(f.value)
        for f in book.figures
        if f.indicator == "share_gdp" and not f.is_aggregate and f.year == latest - 1
    }
    then = {
        code: _printed(value)
        for (ind, code, year), value in old.items()
        if ind == "share_gdp" and year == latest
    }
    lines = []
    for threshold in THRESHOLDS:
        at = sorted(c for c, v in now.items() if v >= threshold)
        lines.append(f"at or above {threshold}% in {latest}: {len(at)} of {len(now)} allies")
        for label, base in ((f"{prev_id}'s {latest}", then), (f"{latest - 1}", year_before)):
            if not base:
                continue
            up = sorted(c for c in at if c in base and base[c] < threshold)
            down = sorted(c for c, v in now.items() if v < threshold <= base.get(c, Decimal(-1)))
            lines.append(
                f"  crossing against {label}: up {' '.join(up) or '-'}; "
                f"down {' '.join(down) or '-'}"
            )
    return lines


# --- writing -----------------------------------------------------------------------------------

# Referenced files first: every prefix of the replacements is a loadable dataset.
WRITE_ORDER = ("sources.csv", "editions.csv", "observations.csv", "aggregates.csv")


def validate(data_dir: Path, files: dict[str, bytes]) -> None:
    """Check the data folder as it would be with `files`, by the loader's own rules."""
    with tempfile.TemporaryDirectory(prefix="nato-import-") as tmp:
        for name in DATA_FILES:
            target = Path(tmp) / name
            if name in files:
                target.write_bytes(files[name])
            else:
                shutil.copyfile(data_dir / name, target)
        read_dataset(Path(tmp))


def write(data_dir: Path, files: dict[str, bytes]) -> None:
    """Replace each file atomically, after every new file is written and synced."""
    staged: list[tuple[Path, str]] = []
    try:
        for name in WRITE_ORDER:
            if name not in files:
                continue
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", dir=data_dir)
            temp = Path(temp_name)
            staged.append((temp, name))
            with os.fdopen(handle, "wb") as out:
                out.write(files[name])
                out.flush()
                os.fsync(out.fileno())
            temp.chmod((data_dir / name).stat().st_mode & 0o777)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, name in staged:
        temp.replace(data_dir / name)  # os.replace: atomic within one file system


def import_workbook(
    path: Path, data_dir: Path, info: EditionInfo, *, replace: bool = False, dry_run: bool = False
) -> Plan:
    """Read, check and (unless dry_run) write one workbook as an edition of `data_dir`.

    Raises WorkbookError (the workbook, or the result breaking the data rules) or SeedError
    (the data folder was invalid before); in every case nothing is written.
    """
    current = read_dataset(data_dir).rows
    book = read_workbook(path, current["allies.csv"])
    plan = plan_import(data_dir, current, book, info, replace=replace)
    try:
        validate(data_dir, plan.files)
    except SeedError as exc:
        # The first problem in file order (editions before the figures that name them) is the
        # cause; later ones usually follow from it.
        first = min(exc.problems, key=lambda p: (DATA_FILES.index(p.file), p.line))
        raise WorkbookError("-", "-", f"the result breaks the data rules: {first}") from None
    if not dry_run:
        write(data_dir, plan.files)
    return plan
