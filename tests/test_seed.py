"""The seed loader: every row loaded, reruns change nothing, bad files rejected whole."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from app.cli import cli
from app.config import DEFAULT_DATA_DIR
from app.db import make_engine
from app.migrate import upgrade
from app.models import Aggregate, DatasetVersion, Observation
from seed import loader
from seed.contract import SPECS, FileSpec
from seed.loader import Problem, SeedError, load, read_dataset, validate
from tests.conftest import data_rows


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = {
                spec.name: conn.execute(select(func.count()).select_from(spec.model)).scalar_one()
                for spec in SPECS
            }
            counts["versions"] = conn.execute(
                select(func.count()).select_from(DatasetVersion)
            ).scalar_one()
            return counts
    finally:
        engine.dispose()


@pytest.fixture
def seeded_scratch(scratch_url: str) -> str:
    upgrade(scratch_url)
    engine = make_engine(scratch_url)
    load(engine, DEFAULT_DATA_DIR)
    engine.dispose()
    return scratch_url


def test_seed_loads_every_row_of_every_file(seeded_scratch: str) -> None:
    counts = _counts(seeded_scratch)
    for spec in SPECS:
        assert counts[spec.name] == len(data_rows(spec.name)), spec.name
    assert counts["versions"] == 1


def test_values_are_stored_exactly_as_published(seeded_scratch: str) -> None:
    published = {
        (r["indicator"], r["ally_iso3"], int(r["year"]), r["edition"], r["source_id"]): r["value"]
        for r in data_rows("observations.csv")
    }
    engine = make_engine(seeded_scratch)
    with engine.connect() as conn:
        stored = {
            (r.indicator_id, r.ally_iso3, r.year, r.edition_id, r.source_id): r.value
            for r in conn.execute(
                select(
                    Observation.indicator_id,
                    Observation.ally_iso3,
                    Observation.year,
                    Observation.edition_id,
                    Observation.source_id,
                    Observation.value,
                )
            )
        }
    engine.dispose()
    assert stored == published
    assert "2.00" in stored.values()  # trailing zeros survive


def test_second_seed_changes_nothing(seeded_scratch: str) -> None:
    engine = make_engine(seeded_scratch)
    with engine.connect() as conn:
        before = conn.execute(select(DatasetVersion.version, DatasetVersion.loaded_at)).all()
    result = load(engine, DEFAULT_DATA_DIR)
    with engine.connect() as conn:
        after = conn.execute(select(DatasetVersion.version, DatasetVersion.loaded_at)).all()
    engine.dispose()
    assert result.changed is False
    assert after == before


Interval = tuple[str, str | None]


def _intervals(
    url: str, model: type[Observation] | type[Aggregate]
) -> dict[tuple[str, ...], Interval]:
    """(indicator, ally or aggregate, year, edition, source) -> (published_on, superseded_on)
    as stored, ISO dates."""
    who = Observation.ally_iso3 if model is Observation else Aggregate.aggregate
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    model.indicator_id,
                    who,
                    model.year,
                    model.edition_id,
                    model.source_id,
                    model.published_on,
                    model.superseded_on,
                )
            )
            return {
                (r[0], r[1], str(r[2]), r[3], r[4]): (
                    r.published_on.isoformat(),
                    r.superseded_on.isoformat() if r.superseded_on else None,
                )
                for r in rows
            }
    finally:
        engine.dispose()


def test_edition_intervals_of_the_us_2024_share_of_gdp(database_url: str) -> None:
    """Each edition's figure is in force from its publication until the next edition's."""
    stored = _intervals(database_url, Observation)
    us_2024 = {k[3:]: v for k, v in stored.items() if k[:3] == ("share_gdp", "USA", "2024")}
    assert us_2024 == {
        ("2024-06", "nato-def-exp-2024-xlsx"): ("2024-06-17", "2025-04-24"),
        ("2025-04", "knews-2025-04-25"): ("2025-04-24", "2025-08-28"),
        ("2025-08", "naman-nato-analytics-defence-per"): ("2025-08-28", "2026-07-10"),
        ("2026-07", "leave-the-gun-nato-defence-2026-extract"): ("2026-07-10", None),
    }


def _expected_intervals(name: str, who: str) -> dict[tuple[str, ...], Interval]:
    """The test's own derivation from the data files: per figure key (indicator, `who`, year),
    the editions that have it; a row is superseded by the next newer one (None: newest)."""
    published = {e["id"]: e["published_on"] for e in data_rows("editions.csv")}
    rows = data_rows(name)
    dates: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in rows:
        dates[(r["indicator"], r[who], r["year"])].add(published[r["edition"]])
    expected = {}
    for r in rows:
        figure = (r["indicator"], r[who], r["year"])
        mine = published[r["edition"]]
        newer = sorted(d for d in dates[figure] if d > mine)
        expected[(*figure, r["edition"], r["source_id"])] = (mine, newer[0] if newer else None)
    return expected


def test_edition_intervals_of_every_figure(database_url: str) -> None:
    observations = _intervals(database_url, Observation)
    assert observations == _expected_intervals("observations.csv", "ally_iso3")
    aggregates = _intervals(database_url, Aggregate)
    assert aggregates == _expected_intervals("aggregates.csv", "aggregate")
    # Two sources in one edition share the interval: both stay in force together.
    key = ("share_gdp", "NATO_TOTAL", "2024", "2024-06")
    assert aggregates[(*key, "inwestycje-pl-2024-06")] == ("2024-06-17", "2025-08-28")
    assert aggregates[(*key, "nato-def-exp-2024-xlsx")] == ("2024-06-17", "2025-08-28")


def test_seed_fills_intervals_missing_after_a_migration(seeded_scratch: str) -> None:
    """A database migrated since its last seed has figures without an interval: the same
    files are loaded again instead of being reported unchanged."""
    engine = make_engine(seeded_scratch)
    with engine.begin() as conn:
        conn.execute(update(Observation).values(published_on=None, superseded_on=None))
    result = load(engine, DEFAULT_DATA_DIR)
    engine.dispose()
    assert result.changed
    assert _intervals(seeded_scratch, Observation) == _expected_intervals(
        "observations.csv", "ally_iso3"
    )


def test_version_is_a_hash_of_the_files(data_copy: Path) -> None:
    original = read_dataset(DEFAULT_DATA_DIR).version
    assert read_dataset(data_copy).version == original
    path = data_copy / "quotes.csv"
    path.write_bytes(path.read_bytes().replace(b"NATO support", b"NATO  support"))
    assert read_dataset(data_copy).version != original


def _replace_line(path: Path, line: int, new: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = new
    path.write_bytes(b"\n".join(lines))


def _line(path: Path, line: int) -> bytes:
    return path.read_bytes().split(b"\n")[line - 1]


def _cell(line: bytes, column: int, new: bytes) -> bytes:
    """The line with its cell `column` (0-based; the cells before it are unquoted) replaced."""
    cells = line.split(b",")
    cells[column] = new
    return b",".join(cells)


BROKEN = {
    "non-numeric value": (
        "observations.csv",
        2,
        lambda old: _cell(old, 3, b"abc"),
        "observations.csv:2: column value: 'abc' is not a number",
    ),
    "unknown ally": (
        "observations.csv",
        2,
        lambda old: _cell(old, 1, b"XXX"),
        "observations.csv:2: column ally_iso3: 'XXX' is not in allies.csv",
    ),
    "unknown edition": (
        "observations.csv",
        2,
        lambda old: _cell(old, 4, b"2023-01"),
        "observations.csv:2: column edition: '2023-01' is not in editions.csv",
    ),
    "invalid UTF-8": (
        "quotes.csv",
        3,
        lambda old: old + b"\xff",
        "quotes.csv:3: is not valid UTF-8",
    ),
    "ally without a French name": (
        "allies.csv",
        2,
        lambda old: old.replace(b"ALB,", b"AAA,", 1),
        "allies.csv:2: column iso3: ISO 3166 has no French name for AAA; add NATO's French "
        "name to NATO_FRENCH_NAMES in app/names_fr.py",
    ),
    "too few cells": (
        "allies.csv",
        2,
        lambda old: old.rsplit(b",", 3)[0],
        "allies.csv:2: has 10 cells, expected 13",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_row_is_rejected_and_nothing_changes(
    case: str, data_copy: Path, seeded_scratch: str
) -> None:
    name, line, edit, message = BROKEN[case]
    path = data_copy / name
    _replace_line(path, line, edit(_line(path, line)))
    before = _counts(seeded_scratch)
    engine = make_engine(seeded_scratch)
    with pytest.raises(SeedError) as excinfo:
        load(engine, data_copy)
    engine.dispose()
    assert message in str(excinfo.value)
    assert _counts(seeded_scratch) == before


def test_duplicate_key_names_both_lines(data_copy: Path) -> None:
    path = data_copy / "observations.csv"
    with path.open("ab") as handle:
        handle.write(_line(path, 2) + b"\n")
    total = len(path.read_bytes().rstrip(b"\n").split(b"\n"))
    with pytest.raises(SeedError) as excinfo:
        read_dataset(data_copy)
    assert f"observations.csv:{total}: duplicate key" in str(excinfo.value)
    assert "first on line 2" in str(excinfo.value)


def test_missing_column_is_named(data_copy: Path) -> None:
    path = data_copy / "editions.csv"
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b",kind,", b",")
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(SeedError, match=r"editions\.csv:1: missing column\(s\) kind"):
        read_dataset(data_copy)


def test_empty_file_is_rejected(data_copy: Path) -> None:
    (data_copy / "sources.csv").write_bytes(b"")
    with pytest.raises(SeedError, match=r"sources\.csv:1: is empty"):
        read_dataset(data_copy)


def test_failure_during_insert_rolls_back_everything(
    seeded_scratch: str, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error half-way through the load leaves the previous data intact."""
    path = data_copy / "quotes.csv"  # a different dataset version, so the load really runs
    path.write_bytes(path.read_bytes().replace(b"NATO support", b"NATO  support"))
    before = _counts(seeded_scratch)
    original = loader._db_rows

    def failing(spec: FileSpec, rows: list[dict[str, object]]) -> list[dict[str, object]]:
        if spec.name == "quotes.csv":
            raise RuntimeError("disk full")
        return original(spec, rows)

    monkeypatch.setattr(loader, "_db_rows", failing)
    engine = make_engine(seeded_scratch)
    with pytest.raises(RuntimeError, match="disk full"):
        load(engine, data_copy)
    engine.dispose()
    assert _counts(seeded_scratch) == before


def test_validate_lists_every_problem_without_raising(data_copy: Path) -> None:
    assert validate(DEFAULT_DATA_DIR) == []
    path = data_copy / "observations.csv"
    _replace_line(path, 3, _cell(_line(path, 3), 2, b"1800"))
    (data_copy / "sources.csv").write_bytes(b"")
    assert validate(data_copy) == [
        Problem("observations.csv", 3, "column year: 1800 is outside 1949..2100"),
        Problem("sources.csv", 1, "is empty: expected a header row and data rows"),
    ]


def test_cli_check_data_reports_file_line_reason(data_copy: Path) -> None:
    path = data_copy / "observations.csv"
    _replace_line(path, 3, _cell(_line(path, 3), 2, b"1800"))
    result = CliRunner().invoke(cli, ["check-data", str(data_copy)])
    assert result.exit_code == 1
    assert "observations.csv:3: column year: 1800 is outside 1949..2100" in result.output


def test_cli_check_data_accepts_the_seed() -> None:
    result = CliRunner().invoke(cli, ["check-data", str(DEFAULT_DATA_DIR)])
    assert result.exit_code == 0
    assert f"observations.csv {len(data_rows('observations.csv'))}" in result.output
