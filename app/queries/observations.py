"""Per-ally figures under an edition rule: filters, sort, count and one page, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session

from app.errors import BadRequest, Unprocessable
from app.models import Ally, Edition, Observation
from app.queries.editions_rule import EditionRule, resolve

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
) -> tuple[list[Row[Any]], int]:
    """One page of figures chosen by `rule`, and how many figures match over all pages.

    `allies` are ISO3 codes and `indicators` ids, already checked (app.queries.lookups).
    Key filters (ally, indicator, year) apply before the edition rule, which is equivalent
    and lets the indexes work; `is_estimate` applies after it, so that it filters the figures
    the rule chose instead of reaching back to an older edition's value. Rows carry the
    attributes of ObservationRead.
    """
    check_years(year, year_from, year_to)
    order = parse_sort(sort)
    o = Observation
    # The edition rule ranks narrow rows (no long text columns); the page joins the text back
    # by primary key, for the `limit` rows it returns only.
    base: Select[Any] = select(  # type: ignore[assignment]
        o.id,
        o.indicator_id.label("indicator"),
        o.ally_iso3.label("ally"),
        o.year,
        o.value_num.label("value"),
        o.edition_id.label("edition"),
        o.is_estimate,
        o.source_id.label("source"),
    )
    if allies:
        base = base.where(o.ally_iso3.in_(allies))
    if indicators:
        base = base.where(o.indicator_id.in_(indicators))
    if year is not None:
        base = base.where(o.year == year)
    if year_from is not None:
        base = base.where(o.year >= year_from)
    if year_to is not None:
        base = base.where(o.year <= year_to)
    chosen = resolve(
        base,
        rule,
        table=o,
    )
    figures = chosen.subquery("figures")
    where: list[ColumnElement[bool]] = []
    if is_estimate is not None:
        where.append(figures.c.is_estimate.is_(is_estimate))

    total = session.execute(select(func.count()).select_from(figures).where(*where)).scalar_one()

    page = select(figures).where(*where).order_by(*_order_by(figures, order)).offset(offset)
    if limit is not None:
        page = page.limit(limit)
    chosen_page = page.subquery("page")
    stmt = (
        select(
            chosen_page.c.indicator,
            chosen_page.c.ally,
            chosen_page.c.year,
            chosen_page.c.value,
            o.value.label("value_text"),
            o.unit,
            chosen_page.c.edition,
            chosen_page.c.is_estimate,
            chosen_page.c.source,
            o.notes,
            Ally.name.label("ally_name"),
            chosen_page.c.published_on.label("edition_published_on"),
            Edition.expenditure_definition,
        )
        .join(o, o.id == chosen_page.c.id)
        .join(Ally, Ally.iso3 == chosen_page.c.ally)
        .join(Edition, Edition.id == chosen_page.c.edition)
        # A subquery's ORDER BY does not carry over: order the outer select the same way.
        .order_by(*_order_by(chosen_page, order))
    )
    return list(session.execute(stmt)), total


def _order_by(table: Any, order: list[tuple[str, bool]]) -> list[ColumnElement[Any]]:
    """The requested sort on `table`'s columns, then the figure's identity as tie-breaker."""
    named = {name for name, _ in order}
    keys = [*order, *((name, False) for name in _TIE_BREAK if name not in named)]
    return [table.c[name].desc() if desc else table.c[name].asc() for name, desc in keys]
