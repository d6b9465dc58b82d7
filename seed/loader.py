"""Validate the seed CSV files completely, then load them in one transaction (or not at all)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from app.models import (
    Aggregate,
    Ally,
    Base,
    DatasetVersion,
    Edition,
    Indicator,
    Observation,
    Quote,
    Source,
    dataset_version,
)

MAX_ERRORS = 50


@dataclass(frozen=True, order=True)
class Problem:
    """One reason a seed file cannot be loaded, located by file and line (1 = header)."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class SeedError(Exception):
    """The data files are invalid; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        shown = "\n".join(str(p) for p in self.problems[:MAX_ERRORS])
        more = len(self.problems) - MAX_ERRORS
        suffix = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the seed data:\n{shown}{suffix}")


class CellError(ValueError):
    """A cell that does not parse; the message is the reason shown to the user."""


# --- cell parsers: text in, typed value out, CellError with a readable reason otherwise ----------

Parser = Callable[[str], Any]


def text(cell: str) -> str:
    if cell == "":
        raise CellError("is required but empty")
    return cell


def optional_text(cell: str) -> str | None:
    return cell or None


def pattern(regex: str, example: str) -> Parser:
    compiled = re.compile(regex)

    def parse(cell: str) -> str:
        if not compiled.fullmatch(cell):
            raise CellError(f"{cell!r} is not of the form {example}")
        return cell

    return parse


def one_of(*choices: str) -> Parser:
    def parse(cell: str) -> str:
        if cell not in choices:
            raise CellError(f"{cell!r} is not one of {', '.join(choices)}")
        return cell

    return parse


def integer(lo: int, hi: int) -> Parser:
    def parse(cell: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", cell):
            raise CellError(f"{cell!r} is not a whole number")
        number = int(cell)
        if not lo <= number <= hi:
            raise CellError(f"{number} is outside {lo}..{hi}")
        return number

    return parse


def optional(parser: Parser) -> Parser:
    def parse(cell: str) -> Any:
        return None if cell == "" else parser(cell)

    return parse


def boolean(cell: str) -> bool:
    if cell == "true":
        return True
    if cell == "false":
        return False
    raise CellError(f"{cell!r} is not true or false")


def date(cell: str) -> dt.date:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cell):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            pass
    raise CellError(f"{cell!r} is not a date YYYY-MM-DD")


def year_list(cell: str) -> str:
    for part in cell.split(" ") if cell else []:
        integer(1949, 2100)(part)
    return cell


def decimal_text(cell: str) -> str:
    """A published number: kept as its exact text; it must be a finite decimal."""
    try:
        number = Decimal(cell)
    except InvalidOperation:
        raise CellError(f"{cell!r} is not a number") from None
    if not number.is_finite() or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", cell):
        raise CellError(f"{cell!r} is not a finite decimal number")
    # The API serves values as JSON numbers (IEEE doubles): refuse a figure that a double
    # cannot carry exactly rather than serve it rounded.
    if Decimal(float(cell)) != number and Decimal(repr(float(cell))) != number:
        raise CellError(f"{cell!r} has more digits than a JSON number can carry exactly")
    return cell


def number_of(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise CellError(f"{value!r} is out of range")
    return number


YEAR = integer(1949, 2100)
ISO3 = pattern(r"[A-Z]{3}", "three capital letters (ISO 3166 alpha-3)")
EDITION_ID = pattern(r"[0-9]{4}-(0[1-9]|1[0-2])", "YYYY-MM")
SLUG = pattern(r"[a-z0-9][a-z0-9-]*", "a lower-case slug (a-z, 0-9, -)")


# --- file specifications --------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """One data file: its columns, how each parses, its key and its references."""

    name: str
    model: type[Base]
    columns: dict[str, Parser]
    key: tuple[str, ...]
    # column -> file whose key it must name
    references: dict[str, str] = field(default_factory=dict)
    # csv column -> model attribute where they differ
    renames: dict[str, str] = field(default_factory=dict)
    unique: tuple[tuple[str, ...], ...] = ()
    # Figures only: the key the edition rule resolves on (the identity without edition and
    # source); the loader derives each row's edition-validity interval from it.
    figure_key: tuple[str, ...] = ()


SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        "allies.csv",
        Ally,
        {
            "iso3": ISO3,
            "iso2": pattern(r"[A-Z]{2}", "two capital letters (ISO 3166 alpha-2)"),
            "iso_numeric": pattern(r"[0-9]{3}", "three digits (ISO 3166 numeric)"),
            "name": text,
            "iso_name": text,
            "accession_year": YEAR,
            "accession_date": optional(date),
            # Empty for Iceland, which is in no expenditure table.
            "currency_iso4217": optional(pattern(r"[A-Z]{3}", "three capital letters (ISO 4217)")),
            "nato_currency_label": optional_text,
            "in_expenditure_tables": boolean,
            "national_2pct_commitment_2024_06": optional(boolean),
            "region": one_of("europe", "north_america"),
            "notes": optional_text,
        },
        key=("iso3",),
        unique=(("iso2",),),
    ),
    FileSpec(
        "editions.csv",
        Edition,
        {
            "id": EDITION_ID,
            "title": text,
            "publisher": text,
            "published_on": date,
            "data_cutoff_on": optional(date),
            "kind": one_of("expenditure_report", "annual_report", "press_statement"),
            "constant_price_base_year": optional(YEAR),
            "estimate_years": year_list,
            "official_tables_available": boolean,
            "expenditure_definition": one_of(
                "nato_defence_expenditure", "core_defence_expenditure"
            ),
            "notes": optional_text,
        },
        key=("id",),
        unique=(("published_on",),),
    ),
    FileSpec(
        "sources.csv",
        Source,
        {
            "id": SLUG,
            "title": text,
            "url": optional_text,
            "publisher": text,
            "kind": text,
            "trust": one_of("high", "medium-high", "medium", "medium-low", "low"),
            "notes": optional_text,
        },
        key=("id",),
    ),
    FileSpec(
        "indicators.csv",
        Indicator,
        {
            "id": pattern(r"[a-z0-9_]+", "a snake_case identifier"),
            "name": text,
            "unit": text,
            "description": text,
            "notes": optional_text,
        },
        key=("id",),
    ),
    FileSpec(
        "observations.csv",
        Observation,
        {
            "indicator": text,
            "ally_iso3": ISO3,
            "year": YEAR,
            "value": decimal_text,
            "edition": EDITION_ID,
            "is_estimate": boolean,
            "source_id": text,
            "unit": text,
            "notes": optional_text,
        },
        key=("indicator", "ally_iso3", "year", "edition", "source_id"),
        references={
            "indicator": "indicators.csv",
            "ally_iso3": "allies.csv",
            "edition": "editions.csv",
            "source_id": "sources.csv",
        },
        renames={"indicator": "indicator_id", "edition": "edition_id"},
        figure_key=("indicator", "ally_iso3", "year"),
    ),
    FileSpec(
        "aggregates.csv",
        Aggregate,
        {
            "aggregate": one_of(
                "NATO_TOTAL", "NATO_EUROPE_CANADA", "NATO_EUROPE", "USA_SHARE_OF_NATO", "ALLIES"
            ),
            "indicator": text,
            "year": YEAR,
            "value": optional(decimal_text),
            "qualifier": optional_text,
            "unit": text,
            "edition": EDITION_ID,
            "is_estimate": boolean,
            "source_id": text,
            "notes": optional_text,
        },
        key=("aggregate", "indicator", "year", "edition", "source_id"),
        references={
            "indicator": "indicators.csv",
            "edition": "editions.csv",
            "source_id": "sources.csv",
        },
        renames={"indicator": "indicator_id", "edition": "edition_id"},
        figure_key=("aggregate", "indicator", "year"),
    ),
    FileSpec(
        "quotes.csv",
        Quote,
        {
            "id": SLUG,
            "speaker": text,
            "role": text,
            "said_on": date,
            "text": text,
            "language": pattern(r"[a-z]{2}", "two lower-case letters (ISO 639-1)"),
            "source_id": text,
            "context": optional_text,
            "verification": text,
        },
        key=("id",),
        references={"source_id": "sources.csv"},
    ),
)

DATA_FILES = tuple(spec.name for spec in SPECS)


def fold(value: str) -> str:
    """Case- and accent-insensitive form of a text, for search ('Türkiye' -> 'turkiye')."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --- reading and validating ----------------------------------------------------------------------


@dataclass
class Dataset:
    """The validated content of a data folder, ready to insert."""

    rows: dict[str, list[dict[str, Any]]]
    version: str
    file_hashes: dict[str, str]

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.rows.items()}


def _decode(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SeedError(
            [Problem(name, line, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})")]
        ) from None


def _records(content: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


Known = dict[str, set[tuple[Any, ...]] | None]


def _parse_file(
    spec: FileSpec, raw: bytes, known: Known
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse and check one file; `known` maps each file read so far to its keys (None when
    that file could not be read at all, so references to it are not checked)."""
    name = spec.name
    if raw.startswith(b"\xef\xbb\xbf"):
        return [], [Problem(name, 1, "starts with a byte-order mark; save it as UTF-8 without BOM")]
    content = _decode(name, raw)
    if not content.strip():
        return [], [Problem(name, 1, "is empty: expected a header row and data rows")]
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    records = _records(content)
    try:
        _, header = next(records)
        expected = list(spec.columns)
        if header != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            detail = []
            if missing:
                detail.append(f"missing column(s) {', '.join(missing)}")
            if extra:
                detail.append(f"unknown column(s) {', '.join(extra)}")
            if not detail:
                detail.append(f"columns out of order; expected {', '.join(expected)}")
            return [], [Problem(name, 1, "; ".join(detail))]
        seen: dict[tuple[Any, ...], int] = {}
        seen_unique: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {
            cols: {} for cols in spec.unique
        }
        for line, record in records:
            if not record:
                problems.append(Problem(name, line, "is a blank line"))
                continue
            if len(record) != len(expected):
                problems.append(
                    Problem(name, line, f"has {len(record)} cells, expected {len(expected)}")
                )
                continue
            row: dict[str, Any] = {}
            ok = True
            for column, cell in zip(expected, record, strict=True):
                try:
                    row[column] = spec.columns[column](cell)
                except CellError as exc:
                    problems.append(Problem(name, line, f"column {column}: {exc}"))
                    ok = False
            if not ok:
                continue
            for column, target in spec.references.items():
                target_keys = known[target]
                if target_keys is not None and (row[column],) not in target_keys:
                    problems.append(
                        Problem(
                            name,
                            line,
                            f"column {column}: {row[column]!r} is not in {target}",
                        )
                    )
                    ok = False
            if not ok:
                continue
            key = tuple(row[c] for c in spec.key)
            if key in seen:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"duplicate key ({', '.join(spec.key)}) = {key}; first on line {seen[key]}",
                    )
                )
                continue
            seen[key] = line
            for cols, seen_values in seen_unique.items():
                value = tuple(row[c] for c in cols)
                if value in seen_values:
                    problems.append(
                        Problem(
                            name,
                            line,
                            f"duplicate {', '.join(cols)} {value}; "
                            f"first on line {seen_values[value]}",
                        )
                    )
                    ok = False
                seen_values.setdefault(value, line)
            if ok:
                extra_problem = _row_rules(spec.name, row)
                if extra_problem:
                    problems.append(Problem(name, line, extra_problem))
                    continue
                rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(name, records_line(content, exc), f"malformed CSV: {exc}"))
    known[name] = {tuple(r[c] for c in spec.key) for r in rows}
    return rows, problems


def records_line(content: str, exc: csv.Error) -> int:
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else content.count("\n") + 1


def _row_rules(name: str, row: dict[str, Any]) -> str | None:
    """Rules that involve more than one cell."""
    if name == "aggregates.csv" and row["value"] is None and not row["qualifier"]:
        return "column value: empty, and no qualifier says why (an empty value needs wording)"
    accession = row.get("accession_date") if name == "allies.csv" else None
    if accession is not None and accession.year != row["accession_year"]:
        return "column accession_date: its year differs from accession_year"
    return None


def read_dataset(data_dir: Path) -> Dataset:
    """Read and validate every data file; raise SeedError listing every problem found."""
    problems: list[Problem] = []
    rows: dict[str, list[dict[str, Any]]] = {}
    hashes: dict[str, str] = {}
    known: Known = {}
    for spec in SPECS:
        known[spec.name] = None
        path = data_dir / spec.name
        if not path.is_file():
            problems.append(Problem(spec.name, 0, f"file not found in {data_dir}"))
            continue
        raw = path.read_bytes()
        hashes[spec.name] = hashlib.sha256(raw).hexdigest()
        try:
            rows[spec.name], file_problems = _parse_file(spec, raw, known)
        except SeedError as exc:
            file_problems = exc.problems
        problems.extend(file_problems)
    if problems:
        raise SeedError(problems)
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(f"{name}\0{hashes[name]}\n".encode())
    return Dataset(rows=rows, version=digest.hexdigest(), file_hashes=hashes)


# --- loading --------------------------------------------------------------------------------------


def validity_intervals(
    rows: list[dict[str, Any]], key: tuple[str, ...], published: dict[str, dt.date]
) -> list[tuple[dt.date, dt.date | None]]:
    """Per row, (its edition's publication date, the next newer edition's with the same key).

    The second date is None when no newer edition has the key: the row is the latest. Rows
    of one edition share their interval (two sources in one edition are both kept).
    """
    dates: dict[tuple[Any, ...], set[dt.date]] = defaultdict(set)
    for row in rows:
        dates[tuple(row[c] for c in key)].add(published[row["edition"]])
    following: dict[tuple[Any, ...], dt.date | None] = {}
    for figure, editions in dates.items():
        ordered = sorted(editions)
        for older, newer in zip(ordered, [*ordered[1:], None], strict=True):
            following[(*figure, older)] = newer
    out = []
    for row in rows:
        published_on = published[row["edition"]]
        out.append((published_on, following[(*(row[c] for c in key), published_on)]))
    return out


def _db_rows(spec: FileSpec, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        db_row = {spec.renames.get(k, k): v for k, v in row.items()}
        if spec.model in (Observation, Aggregate):
            db_row["value_num"] = None if row["value"] is None else number_of(row["value"])
        if spec.model is Quote:
            db_row["search_text"] = fold(
                " ".join(filter(None, (row["speaker"], row["text"], row["context"])))
            )
        out.append(db_row)
    return out


@dataclass(frozen=True)
class LoadResult:
    version: str
    changed: bool
    counts: dict[str, int]


def current_version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return dataset_version(conn)


def load(engine: Engine, data_dir: Path) -> LoadResult:
    """Validate `data_dir`, then replace the database's data with it in one transaction.

    Loading the same files twice changes nothing (not even the load time).
    """
    dataset = read_dataset(data_dir)
    counts = dataset.counts()
    if (
        current_version(engine) == dataset.version
        and _db_counts(engine) == counts
        and not _intervals_missing(engine)
    ):
        return LoadResult(dataset.version, changed=False, counts=counts)
    published = {e["id"]: e["published_on"] for e in dataset.rows["editions.csv"]}
    with engine.begin() as conn:
        for spec in reversed(SPECS):
            conn.execute(delete(spec.model))
        conn.execute(delete(DatasetVersion))
        for spec in SPECS:
            rows = _db_rows(spec, dataset.rows[spec.name])
            if spec.figure_key:
                intervals = validity_intervals(dataset.rows[spec.name], spec.figure_key, published)
                for row, (published_on, superseded_on) in zip(rows, intervals, strict=True):
                    row["published_on"], row["superseded_on"] = published_on, superseded_on
            conn.execute(insert(spec.model), rows)
        conn.execute(
            insert(DatasetVersion),
            [
                {
                    "version": dataset.version,
                    "loaded_at": dt.datetime.now(dt.UTC),
                    "files": {"sha256": dataset.file_hashes, "rows": counts},
                }
            ],
        )
    return LoadResult(dataset.version, changed=True, counts=counts)


def _db_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            spec.name: conn.execute(select(func.count()).select_from(spec.model)).scalar_one()
            for spec in SPECS
        }


def _intervals_missing(engine: Engine) -> bool:
    """True when some figure lacks its edition-validity interval (a database migrated since
    its last seed): the same files are then loaded again to fill it."""
    with engine.connect() as conn:
        return any(
            conn.execute(
                select(func.count()).select_from(model).where(model.published_on.is_(None))
            ).scalar_one()
            for model in (Observation, Aggregate)
        )
