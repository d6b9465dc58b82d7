"""xlsx answers, read back as Excel users' tools read them (openpyxl, pandas): typed cells,
the same rows as the CSV, a frozen and filtered header, and the "About" sheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from typing import Any

import httpx
import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.config import Settings
from app.formats.tabular import Plain
from app.formats.xlsx import XLSX_TYPE, About, sheet_name, write_workbook
from app.main import create_asgi
from tests.conftest import data_rows


def get(live_server: str, path: str, **headers: str) -> httpx.Response:
    response = httpx.get(f"{live_server}{path}", headers=headers, timeout=120)
    assert response.status_code == 200, response.text[:300]
    return response


def csv_rows(live_server: str, path: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(get(live_server, path).text)))


def workbook(body: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(body))


def about(book: Any) -> dict[str, Any]:
    """The About sheet's labelled lines, and its edition and source tables."""
    lines: dict[str, Any] = {}
    table: str | None = None
    for label, value, *rest in book["About"].iter_rows(values_only=True):
        if label in ("Edition", "Source"):
            table = label
            lines[table] = []
        elif table is not None and label is not None:
            lines[table].append((label, value, *rest))
        elif label is not None:
            lines[label] = value
    return lines


def typed(column: str, text: str) -> Any:
    """What the CSV's text of a cell of /v1/observations must be in the workbook."""
    if text == "":
        return None
    if column == "year":
        return int(text)
    if column == "value":
        return float(text)
    if column == "is_estimate":
        return text == "true"
    if column == "edition_published_on":
        return dt.datetime.fromisoformat(text)
    return text


@pytest.mark.parametrize(
    ("path", "csv_path", "headers"),
    [
        ("/v1/observations.xlsx?ally=POL,USA", "/v1/observations.csv?ally=POL,USA", {}),
        ("/v1/observations?ally=DEU&format=xlsx", "/v1/observations.csv?ally=DEU", {}),
        ("/v1/observations?year=2024", "/v1/observations.csv?year=2024", {"Accept": XLSX_TYPE}),
    ],
)
def test_the_workbook_holds_the_csvs_rows_in_typed_cells(
    live_server: str, path: str, csv_path: str, headers: dict[str, str]
) -> None:
    response = get(live_server, path, **headers)
    assert response.headers["content-type"] == XLSX_TYPE
    assert response.headers["content-disposition"] == 'attachment; filename="observations.xlsx"'
    rows = csv_rows(live_server, csv_path)
    assert response.headers["x-total-count"] == str(len(rows))
    sheet = workbook(response.content)["observations"]
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(rows[0])
    assert [list(row) for row in cells[1:]] == [
        [typed(column, text) for column, text in row.items()] for row in rows
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{len(rows) + 1}"
    # value_text is text, so "2.00" keeps its zeros; widths fit the longest cell.
    column = list(rows[0]).index("value_text") + 1
    assert all(sheet.cell(r, column).data_type == "s" for r in range(2, len(rows) + 2))
    assert sheet.column_dimensions["F"].width > len("unit")


def test_the_about_sheet_names_version_editions_sources_and_how_to_cite(
    live_server: str,
) -> None:
    path = "/v1/observations.xlsx?ally=POL&indicator=share_gdp"
    book = workbook(get(live_server, path).content)
    rows = csv_rows(live_server, path.replace(".xlsx", ".csv"))
    meta = get(live_server, "/v1/meta").json()
    lines = about(book)
    assert book.sheetnames == ["observations", "About"]
    assert lines["Title"] == path
    assert lines["Rows"] == len(rows)
    assert lines["Dataset version"] == meta["dataset_version"]
    assert meta["dataset_version"] in lines["How to cite"]
    assert "no licence for them is given" in lines["Licence"]
    editions = {e["id"]: e for e in data_rows("editions.csv")}
    named = sorted({row["edition"] for row in rows}, key=lambda e: editions[e]["published_on"])
    assert lines["Edition"] == [
        (e, editions[e]["title"], dt.datetime.fromisoformat(editions[e]["published_on"]))
        for e in named
    ]
    sources = {s["id"]: s["title"] for s in data_rows("sources.csv")}
    assert [row[:2] for row in lines["Source"]] == [
        (s, sources[s]) for s in sorted({row["source"] for row in rows})
    ]


def test_pandas_reads_every_observation_with_exact_values(live_server: str) -> None:
    body = get(live_server, "/v1/observations.xlsx").content
    frame = pd.read_excel(io.BytesIO(body), sheet_name="observations", dtype={"value_text": str})
    rows = csv_rows(live_server, "/v1/observations.csv")
    assert len(frame) == len(rows)
    assert str(frame["year"].dtype) == "int64"
    assert str(frame["is_estimate"].dtype) == "bool"
    assert frame["edition_published_on"].dtype.kind == "M"
    # Every value is the published figure to the last bit (17-digit figures included).
    published = [float(row["value"]) if row["value"] else None for row in rows]
    read = [None if pd.isna(v) else float(v) for v in frame["value"]]
    assert read == published
    assert any(len(row["value_text"].replace(".", "").lstrip("0")) >= 17 for row in rows)
    texts = [None if pd.isna(v) else v for v in frame["value_text"]]
    assert texts == [row["value_text"] or None for row in rows]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/allies.xlsx",
        "/v1/compliance.xlsx?year=2024",
        "/v1/totals.xlsx",
        "/v1/quotes.xlsx",
        "/v1/revisions.xlsx?ally=USA&indicator=share_gdp&year=2024",
        "/v1/editions.xlsx",
    ],
)
def test_every_collection_has_a_workbook_of_its_csv(live_server: str, path: str) -> None:
    response = get(live_server, path)
    rows = list(csv.reader(io.StringIO(get(live_server, path.replace(".xlsx", ".csv")).text)))
    book = workbook(response.content)
    name = response.headers["content-disposition"].split('"')[1].removesuffix(".xlsx")
    sheet = book[sheet_name(name)]
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == rows[0]
    assert len(cells) == len(rows)
    # Booleans and numbers are typed; their CSV text says what they are.
    for line, row in zip(cells[1:], rows[1:], strict=True):
        for cell, text in zip(line, row, strict=True):
            if isinstance(cell, bool):
                assert text == str(cell).lower()
            elif isinstance(cell, int | float):
                assert float(text) == cell
            elif cell is None:
                assert text == ""


def test_a_page_of_a_workbook_when_limit_is_given(live_server: str) -> None:
    response = get(live_server, "/v1/observations.xlsx?limit=7&offset=3")
    assert len(list(workbook(response.content)["observations"].iter_rows())) == 8
    assert 'rel="next"' in response.headers["link"]


def test_a_cached_workbook_answers_ranges_and_revalidates(live_server: str) -> None:
    whole = get(live_server, "/v1/allies.xlsx")
    part = httpx.get(f"{live_server}/v1/allies.xlsx", headers={"Range": "bytes=0-3"}, timeout=30)
    assert (part.status_code, part.content) == (206, whole.content[:4])
    again = httpx.get(
        f"{live_server}/v1/allies.xlsx",
        headers={"If-None-Match": whole.headers["etag"]},
        timeout=30,
    )
    assert again.status_code == 304


def test_the_same_rows_make_the_same_bytes_on_every_replica(settings: Settings) -> None:
    """No time of writing in the file: replicas (and a restart) agree on the ETag."""
    uncached = settings.model_copy(update={"cache_max_bytes": 0})
    bodies = []
    for _ in range(2):
        with TestClient(create_asgi(uncached)) as client:
            bodies.append(client.get("/v1/allies.xlsx").content)
        time.sleep(1.1)  # past the second a time stamp would show
    assert bodies[0] == bodies[1]


class _Tricky(BaseModel):
    text: str | None
    number: float | None
    count: int
    flag: bool
    day: dt.date
    moment: dt.datetime
    edition: str
    source: str


TRICKY = [
    (
        " leading",
        1.5,
        1,
        True,
        dt.date(2024, 6, 17),
        dt.datetime(2024, 6, 17, 9, 30),
        "2024-06",
        "a",
    ),
    ('a & b < c > d "q"', None, 2, False, dt.date(1999, 1, 1), dt.datetime(2000, 1, 1), "x", "b"),
    (
        "ctl\x01char _x0041_ tab\tend ",
        15.161892741174018,
        3,
        True,
        dt.date(2026, 7, 10),
        dt.datetime(2026, 7, 10, 23, 59, 59),
        "y",
        "c",
    ),
    ("<r>not rich</r>", 0.0, 4, False, dt.date(2014, 1, 1), dt.datetime(2014, 1, 1), "x", "a"),
    (None, -2.0, 5, True, dt.date(2020, 2, 29), dt.datetime(2020, 2, 29), "", "d"),
    ("line\nbreak", 1e-05, 6, False, dt.date(2020, 3, 1), dt.datetime(2020, 3, 1), "x", "e"),
]


def _both_books(
    model: type[BaseModel], rows: list[tuple[Any, ...]]
) -> tuple[list[dict[str, bytes]], list[tuple[set[str], set[str]]]]:
    """The workbook of `rows` written as plain rows, then as items; and the editions and
    sources each write named."""
    about = About("t", "v", dt.datetime(2026, 1, 1), [], [], "cite", "licence")
    seen: list[tuple[set[str], set[str]]] = []

    def book(rows: Any) -> dict[str, bytes]:
        out = io.BytesIO()

        def describe(editions: set[str], sources: set[str]) -> About:
            seen.append((editions, sources))
            return about

        write_workbook(out, sheet="items", model=model, rows=rows, describe=describe)
        with zipfile.ZipFile(out) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    items = [model(**dict(zip(model.model_fields, row, strict=True))) for row in rows]
    return [book(Plain(rows, model)), book(items)], seen


def test_plain_rows_make_the_same_workbook_as_items() -> None:
    """Rows written straight from their tuples (formats.Plain, the figures' path) give the
    bytes that rows made into items give, whatever the text (escapes, spaces, control
    characters), the number, the date or the boolean."""
    (plain, items), seen = _both_books(_Tricky, TRICKY)
    assert plain == items
    assert seen[0] == seen[1] == ({"2024-06", "x", "y", ""}, {"a", "b", "c", "d", "e"})


class _Sparse(BaseModel):
    text: str | None
    day: dt.date | None
    edition: str | None


def test_plain_rows_with_dates_only_and_empty_rows_make_the_same_workbook() -> None:
    """Styles are numbered in the order of first use, so a sheet with dates and no times
    must not number the time style (the About sheet's would move); a row with no value
    writes no row; the dimensions run from the first to the last row written."""
    rows: list[tuple[Any, ...]] = [
        (None, None, None),
        ("a", dt.date(2024, 6, 17), "2024-06"),
        (None, None, None),
        ("b", None, None),
        (None, None, None),
    ]
    (plain, items), seen = _both_books(_Sparse, rows)
    assert plain == items
    assert b'<dimension ref="A1:C5"/>' in plain["xl/worksheets/sheet1.xml"]
    assert seen[0] == seen[1] == ({"2024-06"}, set())
