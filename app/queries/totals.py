"""Yearly totals: published group figures beside the exact sums of the per-ally values.

Sums are exact decimal sums of the published texts (never of floats), over the allies that
were members in that year, as NATO's own aggregates are (the 2024-06 NATO_TOTAL equals the
sum of its members' values). Constant-price figures of editions with different base years
(2015 vs 2021) are never summed or compared: such a request is refused with a 422.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.errors import Unprocessable
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.editions_rule import AnySelect, EditionRule, in_force_template


class Measure(StrEnum):
    usd_current = "usd_current"
    usd_constant = "usd_constant"


GROUPS = ("NATO_TOTAL", "NATO_EUROPE_CANADA", "NATO_EUROPE", "USA", "USA_SHARE_OF_NATO")
# Group figures published in words and headline numbers (billions, trillions) next to the
# million-dollar table aggregates; shown as published, never converted.
HEADLINE_INDICATORS = ("headline_usd_bn", "headline_usd_tn")
SHARE_INDICATOR = "share_of_nato_expenditure"
SHARE_PLACES = Decimal("0.0001")
MILLION_USD = "million US dollars"
# Sums and differences are exact in this many digits: a few dozen values of at most 17
# significant digits. The whole computation runs in one such context.
EXACT_DIGITS = 60


def price_basis(unit: str) -> str:
    """`current`, `constant` or `not stated`, from the unit text as published."""
    text = unit.lower()
    if "current" in text:
        return "current"
    if "constant" in text or "inflation-adjusted" in text or re.search(r"\b\d{4} prices", text):
        return "constant"
    return "not stated"


@dataclass(frozen=True)
class Published:
    aggregate: str
    indicator: str
    year: int
    value: str | None
    qualifier: str | None
    unit: str
    basis: str
    edition: str
    source: str
    is_estimate: bool
    difference: Decimal | None = None


@dataclass
class GroupTotal:
    year: int
    group: str
    unit: str
    value: Decimal | None = None
    allies: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    editions: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    published: list[Published] = field(default_factory=list)


_MEMBERS = select(Ally.iso3, Ally.region, Ally.accession_year, Ally.in_expenditure_tables).order_by(
    Ally.iso3
)


class _Row(NamedTuple):
    ally: str
    year: int
    value: str
    edition: str
    source: str


def _check_base_years(session: Session, editions: set[str], rule: EditionRule) -> None:
    if len(editions) <= 1:
        return  # one edition has one base year
    rows = session.execute(
        select(Edition.id, Edition.constant_price_base_year)
        .where(Edition.id.in_(editions))
        .order_by(Edition.published_on)
    ).all()
    base_years = {row.constant_price_base_year for row in rows}
    if len(base_years) <= 1:
        return
    listed = ", ".join(f"{row.id} ({row.constant_price_base_year} prices)" for row in rows)
    pins = " or ".join(f"edition={row.id}" for row in rows)
    raise Unprocessable(
        f"measure=usd_constant under the rule '{rule.describe()}' would combine constant-price "
        f"figures of editions with different base years: {listed}. Dollars of different base "
        f"years are never summed or compared. Pin one edition ({pins}), use an as_of date "
        "before the later base year, or use measure=usd_current.",
        errors=[{"parameter": "measure", "in": "query", "message": "mixed base years"}],
    )


def select_totals(
    session: Session,
    *,
    year_from: int,
    year_to: int,
    measure: Measure,
    rule: EditionRule,
) -> list[GroupTotal]:
    """Per year and group: the sum of per-ally values and the published figures."""
    if year_from > year_to:
        raise Unprocessable(
            f"from ({year_from}) is after to ({year_to}).",
            errors=[{"parameter": "from", "in": "query", "message": "after `to`"}],
        )
    members = session.connection().execute(_MEMBERS).all()
    rows = _per_ally(session, measure=measure, rule=rule, year_from=year_from, year_to=year_to)
    published = _published(
        session, measure=measure, rule=rule, year_from=year_from, year_to=year_to
    )
    if measure is Measure.usd_constant:
        editions = {row.edition for row in rows} | {
            p.edition for p in published if p.indicator == measure.value
        }
        _check_base_years(session, editions, rule)

    # Each value is parsed once, then summed into up to three groups.
    by_year: dict[int, dict[str, list[tuple[_Row, Decimal]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for row in rows:
        by_year[row.year][row.ally].append((row, Decimal(row.value)))
    pub_by_key: dict[tuple[int, str], list[Published]] = defaultdict(list)
    for item in published:
        pub_by_key[(item.year, item.aggregate)].append(item)
    years = sorted(set(by_year) | {year for year, _ in pub_by_key})

    # The groups are unions of disjoint parts (the European allies, then each other ally):
    # each part is summed once per year, then the groups add up their parts.
    tabled = [m for m in members if m.in_expenditure_tables]
    others = [m.iso3 for m in tabled if m.region != "europe"]  # CAN, USA
    part_allies = {"europe": [m.iso3 for m in tabled if m.region == "europe"], "USA": ["USA"]}
    part_allies.update({iso3: [iso3] for iso3 in others})
    group_parts = {
        "NATO_TOTAL": ["europe", *others],
        "NATO_EUROPE_CANADA": ["europe", "CAN"],
        "NATO_EUROPE": ["europe"],
        "USA": ["USA"],
    }
    joined = {m.iso3: m.accession_year for m in members}
    out: list[GroupTotal] = []
    # One exact context for every sum, difference and share below (not one per operation).
    with localcontext(prec=EXACT_DIGITS):
        for year in years:
            rows_of_year = by_year.get(year, {})
            parts = {
                name: _part([a for a in allies if joined[a] <= year], rows_of_year)
                for name, allies in part_allies.items()
            }
            totals: dict[str, GroupTotal] = {}
            for group, names in group_parts.items():
                total = GroupTotal(year=year, group=group, unit=MILLION_USD)
                _add_up(total, [parts[name] for name in names])
                total.published = [
                    _with_difference(p, total, measure) for p in pub_by_key.get((year, group), [])
                ]
                totals[group] = total
            totals["USA_SHARE_OF_NATO"] = _share(
                year, totals, pub_by_key.get((year, "USA_SHARE_OF_NATO"), [])
            )
            if any(t.value is not None or t.published or t.allies for t in totals.values()):
                out.extend(totals[g] for g in GROUPS)
    return out


@dataclass(slots=True)
class _Part:
    """The exact sum of some allies' values in one year, and what went into it."""

    value: Decimal
    allies: list[str]
    missing: list[str]
    editions: set[str]
    sources: set[str]


def _part(allies: list[str], rows: dict[str, list[tuple[_Row, Decimal]]]) -> _Part:
    part = _Part(Decimal(0), [], [], set(), set())
    for ally in allies:
        ally_rows = rows.get(ally, [])
        if len(ally_rows) != 1:
            # No figure, or two sources disagreeing within one edition: not summable.
            part.missing.append(ally)
            continue
        row, value = ally_rows[0]
        part.value += value
        part.allies.append(ally)
        part.editions.add(row.edition)
        part.sources.add(row.source)
    return part


def _add_up(total: GroupTotal, parts: list[_Part]) -> None:
    acc = Decimal(0)
    for part in parts:
        acc += part.value
        total.allies += part.allies
        total.missing += part.missing
        total.editions |= part.editions
        total.sources |= part.sources
    total.allies.sort()
    total.missing.sort()
    total.value = acc if total.allies and not total.missing else None


def _with_difference(item: Published, total: GroupTotal, measure: Measure) -> Published:
    comparable = (
        item.indicator == measure.value
        and item.value is not None
        and total.value is not None
        and total.editions == {item.edition}
    )
    if not comparable or item.value is None or total.value is None:
        return item
    difference = Decimal(item.value) - total.value
    return Published(**{**item.__dict__, "difference": difference})


def _share(year: int, totals: dict[str, GroupTotal], published: list[Published]) -> GroupTotal:
    usa, nato = totals["USA"], totals["NATO_TOTAL"]
    share = GroupTotal(year=year, group="USA_SHARE_OF_NATO", unit="% of NATO_TOTAL")
    share.allies, share.missing = list(nato.allies), list(nato.missing)
    share.editions = usa.editions | nato.editions
    share.sources = usa.sources | nato.sources
    if usa.value is not None and nato.value:
        share.value = (usa.value / nato.value * 100).quantize(SHARE_PLACES)
    share.published = published
    return share


# Statements are built once per (measure, rule mode) and run with parameters: see
# editions_rule.in_force_template.
@functools.cache
def _per_ally_stmt(measure: Measure, mode: str) -> AnySelect:
    o = Observation
    return (
        select(o.ally_iso3, o.year, o.value, o.edition_id, o.source_id)
        .where(
            o.indicator_id == measure.value,
            o.year.between(bindparam("year_from"), bindparam("year_to")),
            in_force_template(mode, o),
        )
        .order_by(o.year, o.ally_iso3)
    )


def _per_ally(
    session: Session, *, measure: Measure, rule: EditionRule, year_from: int, year_to: int
) -> list[_Row]:
    params = {"year_from": year_from, "year_to": year_to, **rule.parameters()}
    stmt = _per_ally_stmt(measure, rule.mode)
    # Core rows, fetched at once: the ORM's row processing and a fetch per row cost more
    # than the query itself.
    return [_Row(*row) for row in session.connection().execute(stmt, params).all()]


@functools.cache
def _published_stmt(measure: Measure, mode: str) -> AnySelect:
    a = Aggregate
    return (
        select(
            a.aggregate,
            a.indicator_id,
            a.year,
            a.value,
            a.qualifier,
            a.unit,
            a.edition_id,
            a.source_id,
            a.is_estimate,
        )
        .where(
            a.aggregate.in_(GROUPS),
            a.indicator_id.in_((measure.value, *HEADLINE_INDICATORS, SHARE_INDICATOR)),
            a.year.between(bindparam("year_from"), bindparam("year_to")),
            in_force_template(mode, a),
        )
        .order_by(a.year, a.aggregate, a.published_on, a.indicator_id, a.source_id)
    )


def _published(
    session: Session, *, measure: Measure, rule: EditionRule, year_from: int, year_to: int
) -> list[Published]:
    stmt = _published_stmt(measure, rule.mode)
    params = {"year_from": year_from, "year_to": year_to, **rule.parameters()}
    wanted = {"current"} if measure is Measure.usd_current else {"constant"}
    out = []
    for row in session.connection().execute(stmt, params).all():
        basis = price_basis(row.unit)
        if row.indicator_id in HEADLINE_INDICATORS and basis not in wanted | {"not stated"}:
            continue  # a headline at the other price basis belongs to the other measure
        out.append(
            Published(
                aggregate=row.aggregate,
                indicator=row.indicator_id,
                year=row.year,
                value=row.value,
                qualifier=row.qualifier,
                unit=row.unit,
                basis=basis,
                edition=row.edition_id,
                source=row.source_id,
                is_estimate=row.is_estimate,
            )
        )
    return out
