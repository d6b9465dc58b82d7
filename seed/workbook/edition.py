"""The rows a workbook adds to the data files: edition, source, observations, aggregates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seed.workbook.reader import Figure, Workbook, WorkbookError
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
    summary = summarize(book, info, current, replaced=info.id in editions)
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
