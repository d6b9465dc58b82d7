"""The rows a workbook adds to the data files: edition, source, observations, aggregates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seed.workbook.limits import WorkbookError
from seed.workbook.reader import Figure, Workbook
from seed.workbook.rules import DEFINITIONS
from seed.workbook.summary import summarize


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

    def ours(row: dict[str, str]) -> bool:
        return row["edition"] == info.id and row["source_id"] == info.source

    figures = [_figure_row(f, book, info) for f in book.figures]
    changes: dict[str, tuple[Callable[[dict[str, str]], bool], list[dict[str, str]]]] = {
        "sources.csv": (lambda r: r["id"] == info.source, [_source_row(book, info)]),
        "editions.csv": (lambda r: r["id"] == info.id, [_edition_row(book, info)]),
        "observations.csv": (ours, [r for r in figures if "ally_iso3" in r]),
        "aggregates.csv": (ours, [r for r in figures if "aggregate" in r]),
    }
    files: dict[str, bytes] = {}
    added: dict[str, int] = {}
    for name, (matches, rows) in changes.items():
        raw = (data_dir / name).read_text(encoding="utf-8")
        files[name], removed = _replace_rows(raw, matches, rows)
        added[name] = len(rows) - removed
    summary = summarize(book, info, current, replaced=info.id in editions)
    return Plan(files, added, summary)


def _replace_rows(
    raw: str, matches: Callable[[dict[str, str]], bool], new: list[dict[str, str]]
) -> tuple[bytes, int]:
    """The file with the records that `matches` replaced by `new` (in the file's own column
    order), where the first of them was (at the end when none matched), and how many were
    removed. A file that loses no record keeps its bytes: the new rows are appended."""
    header, *records = list(csv.reader(io.StringIO(raw, newline="")))
    rows = [[row[column] for column in header] for row in new]
    drop = {i for i, r in enumerate(records) if matches(dict(zip(header, r, strict=True)))}
    if not drop:
        return (raw + _csv(rows)).encode("utf-8"), 0
    kept = [r for i, r in enumerate(records) if i not in drop]
    at = min(drop)
    return _csv([header, *kept[:at], *rows, *kept[at:]]).encode("utf-8"), len(drop)


def _edition_row(book: Workbook, info: EditionInfo) -> dict[str, str]:
    per_ally = sum(1 for f in book.figures if not f.is_aggregate)
    years = sorted({f.year for f in book.figures})
    notes = (
        f"Every table of NATO's Excel workbook {book.name} (source {info.source}, sha256 "
        f"{book.sha256}), read by nato-api import-workbook: {per_ally} per-ally figures and "
        f"{len(book.figures) - per_ally} aggregates, {years[0]}-{years[-1]}. Definition, "
        "constant-price base year and estimate years as the workbook's own words give them."
    )
    return {
        "id": info.id,
        "title": info.title,
        "publisher": "NATO",
        "published_on": info.published_on.isoformat(),
        "data_cutoff_on": info.cutoff_on.isoformat() if info.cutoff_on else "",
        "kind": "expenditure_report",
        "constant_price_base_year": str(book.base_year),
        "estimate_years": " ".join(map(str, book.estimate_years)),
        "official_tables_available": "true",
        "expenditure_definition": DEFINITIONS[book.core],
        "notes": notes,
    }


def _source_row(book: Workbook, info: EditionInfo) -> dict[str, str]:
    return {
        "id": info.source,
        "title": f"{info.title}: Excel tables {book.name}",
        "url": info.source_url or "",
        "publisher": "NATO International Staff",
        "kind": "official_nato_file",
        "trust": "high",
        "notes": f"NATO's own workbook {book.name} ({book.size} bytes, sha256 {book.sha256}), "
        "read cell by cell by nato-api import-workbook; values as the cells hold them (the "
        "shortest decimal of each double); '..', blanks and #REF! left out as missing.",
    }


def _figure_row(figure: Figure, book: Workbook, info: EditionInfo) -> dict[str, str]:
    """One row of observations.csv (per ally) or aggregates.csv, by column name."""
    series = {"aggregate": figure.code, "qualifier": ""} if figure.is_aggregate else {}
    return {
        **(series or {"ally_iso3": figure.code}),
        "indicator": figure.indicator,
        "year": str(figure.year),
        "value": figure.value,
        "edition": info.id,
        "is_estimate": "true" if figure.is_estimate else "false",
        "source_id": info.source,
        "unit": figure.rule.unit_for(book.core, book.base_year, figure.indicator),
        "notes": figure.note(),
    }
