"""Yearly totals: exact sums of per-ally values per group, beside the published group figures.

Sums are exact decimal sums of the published texts (never of floats), over the allies that
were members in that year, as NATO's own aggregates are (the 2024-06 NATO_TOTAL equals the
sum of its members' values). Constant-price figures of editions with different base years
(2015 vs 2021) are never summed or compared: such a request is refused with a 422.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any, NamedTuple

from app.analysis.editions import EditionRule
from app.errors import Unprocessable


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


class Member(NamedTuple):
    """An ally as the sums need it (the row of the allies query, positionally)."""

    iso3: str
    region: str
    accession_year: int
    in_expenditure_tables: bool


class AllyValue(NamedTuple):
    """One per-ally figure (the row of the per-ally query, positionally)."""

    ally: str
    year: int
    value: str
    edition: str
    source: str


def check_years(year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise Unprocessable(
            f"from ({year_from}) is after to ({year_to}).",
            errors=[{"parameter": "from", "in": "query", "message": "after `to`"}],
        )


def published_figures(rows: Iterable[Sequence[Any]], measure: Measure) -> list[Published]:
    """The published figures that belong to `measure`, each with its price basis.

    A row is (aggregate, indicator, year, value, qualifier, unit, edition, source,
    is_estimate), as the aggregates query selects it.
    """
    wanted = {"current"} if measure is Measure.usd_current else {"constant"}
    out = []
    for aggregate, indicator, year, value, qualifier, unit, edition, source, estimate in rows:
        basis = price_basis(unit)
        if indicator in HEADLINE_INDICATORS and basis not in wanted | {"not stated"}:
            continue  # a headline at the other price basis belongs to the other measure
        out.append(
            Published(
                aggregate, indicator, year, value, qualifier, unit, basis, edition, source, estimate
            )
        )
    return out


def editions_summed(
    rows: Iterable[AllyValue], published: Iterable[Published], measure: Measure
) -> set[str]:
    """Editions whose figures a sum of `measure` would combine (their base years must agree)."""
    return {row.edition for row in rows} | {
        p.edition for p in published if p.indicator == measure.value
    }


def refuse_mixed_base_years(
    base_years: Sequence[tuple[str, int | None]], rule: EditionRule
) -> None:
    """422 when constant-price figures of editions (oldest first) have different base years."""
    if len({year for _, year in base_years}) <= 1:
        return
    listed = ", ".join(f"{edition} ({year} prices)" for edition, year in base_years)
    pins = " or ".join(f"edition={edition}" for edition, _ in base_years)
    raise Unprocessable(
        f"measure=usd_constant under the rule '{rule.describe()}' would combine constant-price "
        f"figures of editions with different base years: {listed}. Dollars of different base "
        f"years are never summed or compared. Pin one edition ({pins}), use an as_of date "
        "before the later base year, or use measure=usd_current.",
        errors=[{"parameter": "measure", "in": "query", "message": "mixed base years"}],
    )


def sum_groups(
    members: Sequence[Member],
    rows: Iterable[AllyValue],
    published: Iterable[Published],
    measure: Measure,
) -> list[GroupTotal]:
    """Per year and group: the sum of per-ally values and the published figures."""
    # Each value is parsed once, then summed into up to three groups.
    by_year: dict[int, dict[str, list[tuple[AllyValue, Decimal]]]] = defaultdict(
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


def _part(allies: list[str], rows: dict[str, list[tuple[AllyValue, Decimal]]]) -> _Part:
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
