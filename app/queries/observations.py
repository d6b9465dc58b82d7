"""Per-ally figures under an edition rule: filters, sort, count and one page, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.errors import BadRequest, Unprocessable
from app.models import Ally, Edition, Observation
from app.queries.editions_rule import in_force

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
    order = parse_sort(sort)
    o = Observation
    where = [in_force(rule, o)]
    if allies:
        where.append(o.ally_iso3.in_(allies))
    if indicators:
        where.append(o.indicator_id.in_(indicators))
    if year is not None:
        where.append(o.year == year)
    if year_from is not None:
        where.append(o.year >= year_from)
    if year_to is not None:
        where.append(o.year <= year_to)
    if is_estimate is not None:
        where.append(o.is_estimate.is_(is_estimate))
    # The rule is a filter on the row (its edition-validity interval), so counting and
    # paging are two plain indexed queries; the count touches no text column and no join.
    # Core execution (no ORM entities here), the page fetched at once: the ORM's statement
    # handling and a fetch per row cost about as much as these small queries.
    conn = session.connection()
    total = conn.execute(select(func.count()).select_from(o).where(*where)).scalar_one()
    stmt = (
        select(
            o.indicator_id.label("indicator"),
            o.ally_iso3.label("ally"),
            o.year,
            o.value_num.label("value"),
            o.value.label("value_text"),
            o.unit,
            o.edition_id.label("edition"),
            o.is_estimate,
            o.source_id.label("source"),
            o.notes,
            Ally.name.label("ally_name"),
            o.published_on.label("edition_published_on"),
            Edition.expenditure_definition,
        )
        .join(Ally, Ally.iso3 == o.ally_iso3)
        .join(Edition, Edition.id == o.edition_id)
        .where(*where)
        .order_by(*_order_by(order))
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return conn.execute(stmt).all(), total


# Sort keys -> the columns they sort on.
_SORT_COLUMNS: dict[str, Any] = {
    "ally": Observation.ally_iso3,
    "indicator": Observation.indicator_id,
    "year": Observation.year,
    "edition": Observation.edition_id,
    "value": Observation.value_num,
    "source": Observation.source_id,
}


def _order_by(order: list[tuple[str, bool]]) -> list[ColumnElement[Any]]:
    """The requested sort, then the figure's identity as tie-breaker."""
    named = {name for name, _ in order}
    keys = [*order, *((name, False) for name in _TIE_BREAK if name not in named)]
    return [
        _SORT_COLUMNS[name].desc() if desc else _SORT_COLUMNS[name].asc() for name, desc in keys
    ]
