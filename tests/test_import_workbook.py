"""`nato-api import-workbook`: NATO's own workbook in, an edition of the data files out."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.cell._writer as openpyxl_writer
import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.conftest import data_rows

# NATO's unmodified workbook of June 2024, copied into the repository (tests/fixtures/README.md).
WORKBOOK = Path(__file__).parent / "fixtures" / "240617-def-exp-2024-TABLES-en.xlsx"
SOURCE_2024 = "nato-def-exp-2024-xlsx"
CONSTANT_MONEY = {
    "ncu_constant",
    "usd_constant",
    "gdp_usd_constant",
    "gdp_per_capita",
    "expenditure_per_capita",
}
TITLE = "Defence Expenditure of NATO Countries (2014-2024)"


def run_import(
    data: Path, path: Path, *extra: str, edition: str = "2024-07", published_on: str = "2024-06-18"
) -> Any:
    args = [
        "import-workbook",
        str(path),
        "--edition",
        edition,
        "--title",
        TITLE,
        "--published-on",
        published_on,
        "--data",
        str(data),
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the folder (temporary ones too) and its SHA-256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def figures(data: Path, edition: str, source: str | None = None) -> dict[tuple[str, ...], Any]:
    """(file, series, indicator, year) -> (value text, is_estimate) of one edition."""
    out: dict[tuple[str, ...], Any] = {}
    for row in data_rows("observations.csv", data):
        if row["edition"] == edition and source in (None, row["source_id"]):
            key = ("obs", row["ally_iso3"], row["indicator"], row["year"])
            out[key] = (row["value"], row["is_estimate"])
    for row in data_rows("aggregates.csv", data):
        if row["edition"] == edition and source in (None, row["source_id"]):
            key = ("agg", row["aggregate"], row["indicator"], row["year"])
            out[key] = (row["value"], row["is_estimate"])
    return out


def units(data: Path, edition: str, source: str | None = None) -> dict[tuple[str, ...], str]:
    return {
        (r["ally_iso3"], r["indicator"], r["year"]): r["unit"]
        for r in data_rows("observations.csv", data)
        if r["edition"] == edition and source in (None, r["source_id"])
    }


def test_the_fixture_reproduces_every_2024_06_figure_read_from_it(data_copy: Path) -> None:
    before = {n: (data_copy / n).read_bytes() for n in ("observations.csv", "aggregates.csv")}
    result = run_import(data_copy, WORKBOOK)
    assert result.exit_code == 0, result.output
    published = figures(data_copy, "2024-06", SOURCE_2024)
    imported = figures(data_copy, "2024-07")
    assert imported == published
    per_ally = sum(1 for k in published if k[0] == "obs")
    assert (per_ally, len(published) - per_ally) == (5179, 198)
    # Appended: every row that was there keeps its bytes.
    for name, raw in before.items():
        assert (data_copy / name).read_bytes().startswith(raw)
    edition = next(e for e in data_rows("editions.csv", data_copy) if e["id"] == "2024-07")
    assert edition | {"notes": ""} == {
        "id": "2024-07",
        "title": TITLE,
        "publisher": "NATO",
        "published_on": "2024-06-18",
        "data_cutoff_on": "",
        "kind": "expenditure_report",
        "constant_price_base_year": "2015",
        "estimate_years": "2023 2024",
        "official_tables_available": "true",
        "expenditure_definition": "nato_defence_expenditure",
        "notes": "",
    }
    source = next(
        s for s in data_rows("sources.csv", data_copy) if s["id"] == "nato-workbook-2024-07"
    )
    assert source["kind"] == "official_nato_file"
    assert hashlib.sha256(WORKBOOK.read_bytes()).hexdigest() in source["notes"]
    # Units and their wording follow the rows read from the same file by hand.
    assert units(data_copy, "2024-07") == units(data_copy, "2024-06", SOURCE_2024)
    lines = result.output.splitlines()
    assert "against 2024-06" in result.output
    assert "0 of 5179 common per-ally figures revised" in result.output
    assert "at or above 2% in 2024: 23 of 31 allies" in lines
    assert lines[-1].startswith(f"wrote {data_copy}: sources.csv +1, editions.csv +1, ")


def save(book: Any, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save with every float written as its shortest exact decimal, as Excel does; openpyxl
    writes "%.16g", which would change 17-digit values before the importer sees them."""
    original = openpyxl_writer.safe_string

    def exact(value: Any) -> str:
        return repr(value) if isinstance(value, float) else str(original(value))

    with monkeypatch.context() as patch:
        patch.setattr(openpyxl_writer, "safe_string", exact)
        book.save(target)


def reworded(source: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture as a later edition would word it: core definition, 2021 prices, older ally
    names, every header year as text."""
    book = openpyxl.load_workbook(source)
    swaps = [
        ("Table 1 : Defence", "Table 1 : Core defence"),
        ("Table 2 : Defence", "Table 2 : Core defence"),
        ("Table 3 : Defence", "Table 3 : Core defence"),
        ("Table 4 : Defence", "Table 4 : Core defence"),
        ("and defence expenditure per capita", "and core defence expenditure per capita"),
        ("Defence expenditure per capita", "Core defence expenditure per capita"),
        ("of total defence expenditure", "of total core defence expenditure"),
        ("2015 prices", "2021 prices"),
        ("Türkiye", "Turkey"),
        ("Czechia", "Czech Republic"),
        ("Slovak Republic", "Slovakia"),
        ("North Macedonia", "the former Yugoslav Republic of Macedonia"),
    ]
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    for old, new in swaps:
                        cell.value = cell.value.replace(old, new)
                elif isinstance(cell.value, int) and 2014 <= cell.value <= 2024:
                    cell.value = str(cell.value)  # header years as text
    save(book, target, monkeypatch)
    return target


def test_a_reworded_later_edition_imports_with_its_definition_and_base_year(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = reworded(WORKBOOK, tmp_path / "def-exp-2027-en.xlsx", monkeypatch)
    result = run_import(data_copy, path, edition="2027-07", published_on="2027-07-01")
    assert result.exit_code == 0, result.output
    edition = next(e for e in data_rows("editions.csv", data_copy) if e["id"] == "2027-07")
    assert edition["expenditure_definition"] == "core_defence_expenditure"
    assert edition["constant_price_base_year"] == "2021"
    assert edition["estimate_years"] == "2023 2024"
    assert figures(data_copy, "2027-07") == figures(data_copy, "2024-06", SOURCE_2024)
    # The units are the ones of the other core edition read from a workbook (2026-07).
    core_units = {
        r["indicator"]: r["unit"]
        for r in data_rows("observations.csv")
        if r["edition"] == "2026-07"
    }
    imported_units = {
        r["indicator"]: r["unit"]
        for r in data_rows("observations.csv", data_copy)
        if r["edition"] == "2027-07" and r["indicator"] in core_units
    }
    assert imported_units == core_units
    # Same definition and base year as 2026-07: every common figure is compared.
    assert summary_against_2026_07(data_copy, "2027-07", comparable=True) in result.output


def summary_against_2026_07(data: Path, edition: str, *, comparable: bool) -> str:
    """The summary's lines on revisions against 2026-07, from the test's own reading."""
    old = {
        (r["indicator"], r["ally_iso3"], r["year"]): Decimal(r["value"])
        for r in data_rows("observations.csv")
        if r["edition"] == "2026-07"
    }
    new = {
        (r["indicator"], r["ally_iso3"], r["year"]): Decimal(r["value"])
        for r in data_rows("observations.csv", data)
        if r["edition"] == edition and (comparable or r["indicator"] not in CONSTANT_MONEY)
    }
    common = [k for k in new if k in old]
    revised = [k for k in common if new[k] != old[k]]
    notes = (
        ""
        if comparable
        else (" (constant-price figures left out: another base year); definition changed")
    )
    top = max((k for k in revised if k[0] == "share_gdp"), key=lambda k: abs(new[k] - old[k]))
    return (
        f"against 2026-07 (Defence Investment of NATO Countries (2014-2026)): {len(revised)} of "
        f"{len(common)} common per-ally figures revised{notes}\n"
        f"  largest share_gdp revision: {top[1]} {top[2]} {old[top]} -> {new[top]} "
        f"({new[top] - old[top]:+.2f} pp)\n"
    )


def test_against_another_base_year_and_definition_shares_are_compared_money_is_not(
    data_copy: Path,
) -> None:
    """June 2024's workbook (2015 prices, NATO's definition) as if published after 2026-07."""
    result = run_import(data_copy, WORKBOOK, edition="2026-08", published_on="2026-08-01")
    assert result.exit_code == 0, result.output
    assert summary_against_2026_07(data_copy, "2026-08", comparable=False) in result.output
    # 2026-07 (core) has ALB, BGR, CZE, MKD, MNE and SVK below 2% in 2024; June 2024 at 2%.
    assert "  crossing against 2026-07's 2024: up ALB BGR CZE MKD MNE SVK; down -" in result.output


def _edit(sheet: str, cell: str, value: Any) -> Callable[[Any], None]:
    def change(book: Any) -> None:
        book[sheet][cell] = value

    return change


def _drop_sheet(book: Any) -> None:
    del book["TABLE7"]


BROKEN: dict[str, tuple[Callable[[Any], None] | bytes, str]] = {
    "unknown ally": (_edit("TABLE3", "C20", "Atlantis"), "sheet TABLE3, cell C20: unknown ally"),
    "missing table": (_drop_sheet, "sheet -, cell -: missing table: no military_personnel"),
    "unreadable year": (
        _edit("TABLE2", "I8", "2O19"),
        "sheet TABLE2, cell I8: cannot read the year",
    ),
    "header text": (_edit("TABLE5", "J8", "Year 2020"), "sheet TABLE5, cell J8: cannot read"),
    "value out of range": (
        _edit("TABLE3", "E11", 250.5),
        "sheet TABLE3, cell E11: 250.5 is out of range for share_gdp",
    ),
    "text value": (_edit("TABLE1", "F12", "n/a"), "sheet TABLE1, cell F12: 'n/a' is not a number"),
    "not a workbook": (b"indicator,ally\nshare_gdp,ALB\n", "sheet -, cell -: bad.xlsx is not"),
    "empty file": (b"", "sheet -, cell -: bad.xlsx is empty"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_workbook_is_refused_with_sheet_cell_and_reason_and_nothing_written(
    case: str, data_copy: Path, tmp_path: Path
) -> None:
    breaker, expected = BROKEN[case]
    path = tmp_path / "bad.xlsx"
    if isinstance(breaker, bytes):
        path.write_bytes(breaker)
    else:
        book = openpyxl.load_workbook(WORKBOOK)
        breaker(book)
        book.save(path)
    before = snapshot(data_copy)
    result = run_import(data_copy, path)
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"import-workbook: {path}: "), line
    assert expected in line
    assert snapshot(data_copy) == before


def test_dots_blanks_and_ref_errors_are_missing_never_zero(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = openpyxl.load_workbook(WORKBOOK)
    sheet = book["TABLE3"]  # Albania's share of GDP, 2014-2016
    sheet["D11"], sheet["E11"], sheet["F11"] = "..", None, "#REF!"
    path = tmp_path / "gaps.xlsx"
    save(book, path, monkeypatch)
    result = run_import(data_copy, path)
    assert result.exit_code == 0, result.output
    expected = figures(data_copy, "2024-06", SOURCE_2024)
    for year in ("2014", "2015", "2016"):
        del expected[("obs", "ALB", "share_gdp", year)]
    assert figures(data_copy, "2024-07") == expected


def test_an_edition_that_exists_needs_replace_and_replacing_gives_the_same_bytes(
    data_copy: Path,
) -> None:
    assert run_import(data_copy, WORKBOOK).exit_code == 0
    first = snapshot(data_copy)
    again = run_import(data_copy, WORKBOOK)
    assert again.exit_code == 1
    assert again.stderr.strip().endswith(
        f"edition 2024-07 exists in {data_copy}; give --replace to replace it"
    )
    assert snapshot(data_copy) == first
    replaced = run_import(data_copy, WORKBOOK, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert replaced.output.startswith("replace edition 2024-07")
    assert "observations.csv +0, aggregates.csv +0 rows" in replaced.output
    assert snapshot(data_copy) == first


def test_dry_run_prints_the_summary_and_writes_nothing(data_copy: Path) -> None:
    before = snapshot(data_copy)
    result = run_import(data_copy, WORKBOOK, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would write (dry run, nothing written)" in result.output
    assert "observations.csv +5179, aggregates.csv +198 rows" in result.output
    assert "Table 7 (TABLE7): military_personnel 363" in result.output
    assert snapshot(data_copy) == before


def test_an_edition_id_that_is_not_yyyy_mm_is_refused(data_copy: Path) -> None:
    before = snapshot(data_copy)
    result = run_import(data_copy, WORKBOOK, edition="June 2024")
    assert result.exit_code == 1
    assert "--edition: 'June 2024' is not of the form YYYY-MM" in result.stderr
    assert snapshot(data_copy) == before


def test_a_result_that_breaks_the_loader_rules_is_refused(data_copy: Path) -> None:
    """The publication date of 2024-06 again: editions.csv allows one edition per day."""
    before = snapshot(data_copy)
    args = ["--published-on", "2024-06-17"]
    result = CliRunner().invoke(
        cli,
        [
            "import-workbook",
            str(WORKBOOK),
            "--edition",
            "2024-07",
            "--title",
            TITLE,
            *args,
            "--data",
            str(data_copy),
        ],
    )
    assert result.exit_code == 1
    assert "the result breaks the data rules: editions.csv:" in result.stderr
    assert "duplicate published_on" in result.stderr
    assert snapshot(data_copy) == before


def test_a_failed_write_leaves_every_file_as_it_was(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the third new file is written: no file is replaced and no
    temporary file stays behind."""
    import seed.workbook

    before = snapshot(data_copy)
    synced = []

    def fsync(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(seed.workbook.os, "fsync", fsync)
    result = run_import(data_copy, WORKBOOK)
    assert result.exit_code == 1
    assert result.stderr == (
        f"import-workbook: cannot write {data_copy}: [Errno 28] No space left on device; "
        "nothing was changed\n"
    )
    assert snapshot(data_copy) == before
