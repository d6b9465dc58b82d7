"""Property-based tests (hypothesis): the parsing of query parameters and Accept headers, and
of seed cells and files, either succeeds or says why; it never fails in another way."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import DEFAULT_DATA_DIR
from app.errors import NotAcceptable
from app.formats import Format, negotiate
from seed import contract, loader
from seed.contract import CellError
from seed.loader import SeedError
from tests.test_hardening import OPERATIONS, PROBLEM, example_url, required_query

CLIENT_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# --- query parameters and headers, through HTTP ----------------------------------------------

QUERY_PARAMS = [
    (path, op, param["name"])
    for path, op in OPERATIONS
    for param in op.get("parameters", [])
    if param["in"] == "query"
] or [(path, op, "format") for path, op in OPERATIONS]


def _accepts_numbers(path: str, op: dict[str, Any], name: str) -> bool:
    param = next(p for p in op["parameters"] if p["name"] == name)
    return '"number"' in json.dumps(param["schema"])


@CLIENT_SETTINGS
@given(target=st.sampled_from(QUERY_PARAMS), value=st.text(max_size=80))
def test_any_text_in_any_query_parameter_is_answered_never_a_5xx(
    client: TestClient, target: tuple[str, dict[str, Any], str], value: str
) -> None:
    path, op, name = target
    response = client.get(example_url(path, op), params={**required_query(op), name: value})
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == response.status_code


NUMBER_PARAMS = [
    (path, op, name) for path, op, name in QUERY_PARAMS if _accepts_numbers(path, op, name)
]


@settings(CLIENT_SETTINGS, max_examples=100)
@given(target=st.sampled_from(NUMBER_PARAMS), value=st.decimals(allow_nan=False))
def test_any_finite_decimal_in_a_number_parameter_is_answered_never_a_5xx(
    client: TestClient, target: tuple[str, dict[str, Any], str], value: Decimal
) -> None:
    """Exponents included (1e-28 overflowed the exact decimal context of the claims)."""
    path, op, name = target
    response = client.get(example_url(path, op), params={**required_query(op), name: str(value)})
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM


@CLIENT_SETTINGS
@given(
    name=st.text(min_size=1, max_size=30),
    value=st.text(max_size=30),
    operation=st.sampled_from(OPERATIONS),
)
def test_an_unknown_parameter_name_is_always_a_400_problem(
    client: TestClient, name: str, value: str, operation: tuple[str, dict[str, Any]]
) -> None:
    path, op = operation
    declared = {p["name"] for p in op.get("parameters", [])} | {"format"}
    if name in declared:
        return
    response = client.get(example_url(path, op), params={**required_query(op), name: value})
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/unknown-parameter"


MEDIA = st.sampled_from(
    [
        "application/json",
        "text/csv",
        "application/x-ndjson",
        "*/*",
        "text/*",
        "application/*",
        "text/html",
        "image/png",
    ]
)
ACCEPT_PART = st.builds(
    lambda media, q: media if q is None else f"{media};q={q}",
    MEDIA | st.text(max_size=15),
    st.none() | st.sampled_from(["0", "0.5", "1", "1.0", "x", ""]),
)


@given(parts=st.lists(ACCEPT_PART, max_size=6), explicit=st.none() | st.sampled_from(Format))
def test_negotiation_picks_a_format_or_says_406(parts: list[str], explicit: Format | None) -> None:
    accept = ", ".join(parts)
    try:
        chosen = negotiate(accept, explicit)
    except NotAcceptable as exc:
        refusal = exc.detail
    else:
        refusal = ""
    if refusal:
        assert explicit is None
        assert refusal.endswith(
            "available as application/json (format=json), text/csv (format=csv), "
            "application/x-ndjson (format=ndjson) or "
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (format=xlsx)."
        )
        return
    if explicit is not None:
        assert chosen is explicit
    elif "json" not in accept and "*" not in accept and accept.strip(" ,"):
        assert chosen is Format.csv


# --- seed cells -------------------------------------------------------------------------------

CELL_PARSERS = {
    "year": contract.YEAR,
    "iso3": contract.ISO3,
    "edition": contract.EDITION_ID,
    "slug": contract.SLUG,
    "boolean": contract.boolean,
    "date": contract.date,
    "year_list": contract.year_list,
    "decimal": contract.decimal_text,
    "text": contract.text,
}


def _parse(parser: Any, cell: str) -> tuple[Any, str]:
    """(value, "") when the cell parses, (None, reason) when it is refused."""
    try:
        return parser(cell), ""
    except CellError as exc:
        return None, str(exc)


# Digits of every script (Arabic-Indic, fullwidth, ...) besides ASCII: \d matches them all.
NUMBER_LIKE = st.text(
    alphabet=st.characters(categories=["Nd"]) | st.sampled_from(list("0123456789.-eE+ ")),
    max_size=12,
)


@given(parser=st.sampled_from(sorted(CELL_PARSERS)), cell=st.text(max_size=40) | NUMBER_LIKE)
def test_a_cell_parses_or_is_refused_with_a_reason(parser: str, cell: str) -> None:
    value, reason = _parse(CELL_PARSERS[parser], cell)
    assert value is not None or reason
    if parser in ("year", "decimal", "date", "year_list", "edition") and not reason:
        assert cell.isascii(), f"{parser} accepted {cell!r}"


@given(cell=st.text(max_size=40) | NUMBER_LIKE)
def test_a_published_number_is_ascii_and_kept_as_its_exact_text(cell: str) -> None:
    kept, reason = _parse(contract.decimal_text, cell)
    if reason:
        return
    assert kept == cell
    assert cell.isascii()
    assert Decimal(repr(float(cell))) == Decimal(cell) or Decimal(float(cell)) == Decimal(cell)


@given(value=st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**9))
def test_every_two_decimal_figure_round_trips(value: Decimal) -> None:
    text = f"{value:.2f}"
    kept, reason = _parse(contract.decimal_text, text)
    assert kept == text or "more digits than a JSON number" in reason


@given(year=st.integers(min_value=-(10**6), max_value=10**6))
def test_years_inside_the_range_parse_and_outside_are_refused(year: int) -> None:
    if 1949 <= year <= 2100:
        assert contract.YEAR(str(year)) == year
    else:
        with pytest.raises(CellError, match=r"outside 1949\.\.2100"):
            contract.YEAR(str(year))


@given(day=st.dates())
def test_every_iso_date_round_trips(day: dt.date) -> None:
    text = day.isoformat()
    if len(text) == 10:
        assert contract.date(text) == day


# --- seed files -------------------------------------------------------------------------------

SEED_FILES = sorted(p.name for p in DEFAULT_DATA_DIR.glob("*.csv"))


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(SEED_FILES),
    garbage=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    keep_header=st.booleans(),
)
def test_a_damaged_seed_file_is_a_seed_error_naming_it(
    name: str, garbage: bytes, keep_header: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DEFAULT_DATA_DIR, data)
        original = (data / name).read_bytes()
        header = original.split(b"\n", 1)[0] + b"\n" if keep_header else b""
        (data / name).write_bytes(header + garbage)
        problems: list[loader.Problem] = []
        try:
            loader.read_dataset(data)
        except SeedError as exc:
            problems = exc.problems
        if problems:
            assert all(p.file.endswith(".csv") and p.reason for p in problems)
        else:
            # Only a harmless change can load: the header with no rows, or no change at all.
            assert header + garbage == original or not garbage.strip()
