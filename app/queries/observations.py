"""Per-ally figures under an edition rule: filters, sort, count and one page, in SQL."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.errors import BadRequest, Unprocessable
from app.models import Ally, Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters

DEFAULT_SORT = "ally,indicator,year,edition"
# Sort keys a client may name; `-key` sorts descending.
SORT_KEYS = ("ally", "indicator", "year", "edition", "value", "source")
# The identity of a figure: appended to every sort so that pages never overlap or skip.
_TIE_BREAK = ("indicator", "ally", "year", "edition", "source")


def parse_sort(sort: str | Sequence[str]) -> list[tuple[str, bool]]:
    """`-value,ally` -> [("value", True), ("ally", False)]; unknown keys are a 422."""
    parts = sort.split(",") if isinstance(sort, str) else [p for s in sort for p in s.split(",")]
    keys: list[tuple[str, bool]] = []
    for raw in (p.strip() for p in parts):
        if not raw:
            continue
        name, descending = (raw[1:], True) if raw.startswith("-") else (raw, False)
        if name not in SORT_KEYS:
            raise Unprocessable(
                f"sort: {raw!r} is not a sort key. Use a comma-separated list of "
                f"{', '.join(SORT_KEYS)}, each optionally prefixed by - for descending "
                f"(default {DEFAULT_SORT}).",
                errors=[{"parameter": "sort", "in": "query", "message": "unknown sort key"}],
            )
        if name not in (k for k, _ in keys):
            keys.append((name, descending))
    return keys


def check_years(year: int | None, year_from: int | None, year_to: int | None) -> None:
    """`year` excludes `from`/`to` (400); `from` after `to` names an empty range (422)."""
    if year is not None and (year_from is not None or year_to is not None):
        raise BadRequest(
            "Use either `year` (one year) or `from`/`to` (a range of years), not both.",
            errors=[
                {"parameter": name, "in": "query", "message": "conflicts with year"}
                for name, value in (("from", year_from), ("to", year_to))
                if value is not None
            ],
        )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise Unprocessable(
            f"from ({year_from}) is after to ({year_to}): give from <= to.",
            errors=[
                {"parameter": "from", "in": "query", "message": "after to"},
                {"parameter": "to", "in": "query", "message": "before from"},
            ],
        )


def select_observations(
    session: Session,
    *,
    rule: EditionRule,
    allies: Sequence[str] = (),
    indicators: Sequence[str] = (),
    year: int | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    is_estimate: bool | None = None,
    sort: str | Sequence[str] = DEFAULT_SORT,
    limit: int | None = 100,
    offset: int = 0,
) -> tuple[Sequence[Row[*tuple[Any, ...]]], int]:
    """One page of figures chosen by `rule`, and how many figures match over all pages.

    `allies` are ISO3 codes and `indicators` ids, already checked (app.queries.lookups).
    The edition rule is decided per row (its stored validity interval), so every filter,
    `is_estimate` included, filters the figures the rule chose: an estimate superseded by a
    newer edition's final figure never reaches back. Rows carry the attributes of
    ObservationRead.
    """
    check_years(year, year_from, year_to)
    order = tuple(parse_sort(sort))
    params: dict[str, Any] = rule_parameters(rule)
    params.update(_listed("ally", allies))
    params.update(_listed("indicator", indicators))
    for name, value in (("year", year), ("year_from", year_from), ("year_to", year_to)):
        if value is not None:
            params[name] = value
    count, page = _statements(
        rule.mode,
        len(allies),
        len(indicators),
        tuple(name for name in ("year", "year_from", "year_to") if name in params),
        is_estimate,
        order,
        limit is not None,
    )
    # The rule is a filter on the row (its edition-validity interval), so counting and
    # paging are two plain indexed queries; the count touches no text column and no join.
    # Core execution on the tables (no ORM entities), the page fetched at once.
    conn = session.connection()
    total: int = conn.execute(count, params).scalar_one()
    params["offset"] = offset
    if limit is not None:
        params["limit"] = limit
    return conn.execute(page, params).all(), total


def _listed(name: str, values: Sequence[str]) -> dict[str, str]:
    return {f"{name}_{i}": value for i, value in enumerate(values)}


_o = Observation.__table__.c
_COLUMNS = (
    _o.indicator_id.label("indicator"),
    _o.ally_iso3.label("ally"),
    _o.year,
    _o.value_num.label("value"),
    _o.value.label("value_text"),
    _o.unit,
    _o.edition_id.label("edition"),
    _o.is_estimate,
    _o.source_id.label("source"),
    _o.notes,
    Ally.__table__.c.name.label("ally_name"),
    _o.published_on.label("edition_published_on"),
    Edition.__table__.c.expenditure_definition,
)
# The columns of the rows (ObservationRead's fields, in order).
COLUMNS = tuple(column.name for column in _COLUMNS)


@functools.lru_cache(maxsize=512)
def _statements(
    mode: str,
    allies: int,
    indicators: int,
    years: tuple[str, ...],
    is_estimate: bool | None,
    order: tuple[tuple[str, bool], ...],
    paged: bool,
) -> tuple[Select[int], AnySelect]:
    """The count and page statements of one shape of request, built once: its values are
    bound parameters, so SQLAlchemy compiles each shape once too (building and hashing a
    statement cost about as much as running it on this small data). Bounded: the sort keys
    are the one free part of a shape."""
    o = Observation.__table__
    where: list[ColumnElement[bool]] = [in_force_template(mode, _o)]
    # One bound parameter per listed value (`IN (?, ?)`), not an expanding one, whose SQL
    # is rewritten on every execution: the number of values is part of the shape.
    if allies:
        where.append(o.c.ally_iso3.in_([bindparam(f"ally_{i}") for i in range(allies)]))
    if indicators:
        where.append(o.c.indicator_id.in_([bindparam(f"indicator_{i}") for i in range(indicators)]))
    if "year" in years:
        where.append(o.c.year == bindparam("year"))
    if "year_from" in years:
        where.append(o.c.year >= bindparam("year_from"))
    if "year_to" in years:
        where.append(o.c.year <= bindparam("year_to"))
    if is_estimate is not None:
        where.append(o.c.is_estimate.is_(is_estimate))
    count = select(func.count()).select_from(o).where(*where)
    allies_t, editions_t = Ally.__table__, Edition.__table__
    page = (
        select(*_COLUMNS)
        .join(allies_t, allies_t.c.iso3 == o.c.ally_iso3)
        .join(editions_t, editions_t.c.id == o.c.edition_id)
        .where(*where)
        .order_by(*_order_by(list(order)))
        .offset(bindparam("offset"))
    )
    if paged:
        page = page.limit(bindparam("limit"))
    return count, page


# Sort keys -> the columns they sort on.
_SORT_COLUMNS: dict[str, Any] = {
    "ally": _o.ally_iso3,
    "indicator": _o.indicator_id,
    "year": _o.year,
    "edition": _o.edition_id,
    "value": _o.value_num,
    "source": _o.source_id,
}


def _order_by(order: list[tuple[str, bool]]) -> list[ColumnElement[Any]]:
    """The requested sort, then the figure's identity as tie-breaker."""
    named = {name for name, _ in order}
    keys = [*order, *((name, False) for name in _TIE_BREAK if name not in named)]
    return [
        _SORT_COLUMNS[name].desc() if desc else _SORT_COLUMNS[name].asc() for name, desc in keys
    ]
