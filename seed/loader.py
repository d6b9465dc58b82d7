"""Read the seed CSV files, validate them completely against the data contract (contract.py),
then load them in one transaction (or not at all)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from app.folding import fold
from app.models import Aggregate, DatasetVersion, Observation, Quote, dataset_version
from seed.contract import DATA_FILES, SPECS, CellError, FileSpec, row_rules

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


def number_of(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise CellError(f"{value!r} is out of range")
    return number


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
                extra_problem = row_rules(spec.name, row)
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


def validate(data_dir: Path) -> list[Problem]:
    """Every problem of the data files in `data_dir`, sorted; empty when they would load."""
    try:
        read_dataset(data_dir)
    except SeedError as exc:
        return exc.problems
    return []


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
