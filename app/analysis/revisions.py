"""How a figure was revised from edition to edition, and what changed between two editions.

Changes are exact decimal differences of the published texts. Where one edition has a figure
from two sources, both rows are kept with their sources (never silently one of them) and no
change is computed across that edition. An amount at constant prices (money whose unit says
constant prices) is never differenced across editions with different base years (2015 and
2021): the difference would mostly be the base year, so a reason is given instead, as
/v1/totals refuses such sums. An edition that states no base year is a different base.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from app.analysis.compliance import (
    COMPLIANCE_INDICATORS,
    GUIDELINES,
    Basis,
    ComplianceRule,
    meets,
)
from app.analysis.decimals import published_value
from app.analysis.totals import price_basis
from app.errors import BadRequest, Unprocessable


class RevisionRow(NamedTuple):
    """One edition's row of the figure, with its edition's date and definition."""

    edition: str
    published_on: dt.date
    definition: str
    value: str | None
    qualifier: str | None
    unit: str
    source: str
    is_estimate: bool
    price_base_year: int | None = None


def constant_price_indicators(units: Mapping[str, str]) -> frozenset[str]:
    """The amounts at constant prices (of {indicator: unit}): money whose level is in a base
    year's prices. Percentages are ratios (real changes, shares), compared across editions as
    the workbook import's summary compares them (seed/workbook/rules.py CONSTANT_PRICES)."""
    return frozenset(
        indicator
        for indicator, unit in units.items()
        if price_basis(unit) == "constant" and not unit.lstrip().startswith("%")
    )


def price_base_reason(
    indicator: str, before: tuple[str, int | None], after: tuple[str, int | None]
) -> str:
    """Why no change is given between two price bases."""

    def base(edition: str, year: int | None) -> str:
        return f"{edition} uses {year} prices" if year else f"{edition} states no price base"

    return (
        f"{indicator} is at constant prices and {base(*before)}, {base(*after)}: a difference "
        "would mostly be the change of base year, so none is given (compare within one edition)"
    )


@dataclass(frozen=True)
class Revision:
    edition: str
    published_on: dt.date
    definition: str
    definition_changed: bool
    value: str | None
    value_published: Decimal | None
    qualifier: str | None
    unit: str
    source: str
    is_estimate: bool
    change: Decimal | None
    change_published: Decimal | None
    sources_in_edition: int
    price_base_year: int | None = None
    price_base_changed: bool = False
    change_reason: str | None = None


@dataclass(frozen=True)
class RevisionChain:
    ally: str | None
    aggregate: str | None
    name: str | None
    indicator: str
    year: int
    items: list[Revision]


def check_subject(ally: str | None, aggregate: str | None) -> None:
    """A chain is of one ally or one aggregate: a 400 for both or neither."""
    if (ally is None) == (aggregate is None):
        raise BadRequest(
            "Give exactly one of `ally` (an ISO code, e.g. USA) or `aggregate` (e.g. NATO_TOTAL)."
        )


def revisions(
    rows: Sequence[RevisionRow], *, indicator: str = "", constant_prices: bool = False
) -> list[Revision]:
    """The rows (oldest edition first) with the change from the previous edition; none across
    price bases when `constant_prices` (the indicator's unit says constant prices)."""
    per_edition = Counter(row.edition for row in rows)
    items: list[Revision] = []
    previous: RevisionRow | None = None
    for row in rows:
        change = change_published = None
        reason = None
        definition_changed = price_base_changed = False
        if previous is not None and previous.edition != row.edition:
            definition_changed = previous.definition != row.definition
            price_base_changed = previous.price_base_year != row.price_base_year
        elif previous is not None:
            definition_changed = items[-1].definition_changed
            price_base_changed = items[-1].price_base_changed
        comparable = (
            previous is not None
            and previous.edition != row.edition
            and per_edition[row.edition] == 1
            and per_edition[previous.edition] == 1
            and row.value is not None
            and previous.value is not None
        )
        if comparable and constant_prices and price_base_changed and previous is not None:
            reason = price_base_reason(
                indicator,
                (previous.edition, previous.price_base_year),
                (row.edition, row.price_base_year),
            )
        elif comparable and previous is not None and row.value and previous.value:
            now, before = Decimal(row.value), Decimal(previous.value)
            change = now - before
            change_published = published_value(now) - published_value(before)
        items.append(
            Revision(
                edition=row.edition,
                published_on=row.published_on,
                definition=row.definition,
                definition_changed=definition_changed,
                value=row.value,
                value_published=published_value(Decimal(row.value)) if row.value else None,
                qualifier=row.qualifier,
                unit=row.unit,
                source=row.source,
                is_estimate=row.is_estimate,
                change=change,
                change_published=change_published,
                sources_in_edition=per_edition[row.edition],
                price_base_year=row.price_base_year,
                price_base_changed=price_base_changed,
                change_reason=reason,
            )
        )
        previous = row
    return items


@dataclass(frozen=True)
class Change:
    ally: str
    name: str
    indicator: str
    year: int
    from_value: str
    from_source: str
    to_value: str
    to_source: str
    change: Decimal


@dataclass(frozen=True)
class Flip:
    ally: str
    name: str
    year: int
    from_value: str
    to_value: str
    from_meets: bool
    to_meets: bool


@dataclass(frozen=True)
class NotCompared:
    """Figures of one indicator present in both editions but not differenced, and why."""

    indicator: str
    figures: int
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    from_edition: str
    to_edition: str
    from_definition: str
    to_definition: str
    changes: list[Change]
    flips: list[Flip]
    rule: ComplianceRule | None  # the threshold flips were tested against
    from_price_base_year: int | None = None
    to_price_base_year: int | None = None
    not_compared: list[NotCompared] = field(default_factory=list)

    @property
    def definition_changed(self) -> bool:
        return self.from_definition != self.to_definition

    @property
    def price_base_changed(self) -> bool:
        return self.from_price_base_year != self.to_price_base_year


def check_edition_pair(from_edition: str, to_edition: str) -> None:
    if from_edition == to_edition:
        raise Unprocessable(
            "from_edition and to_edition are the same edition: nothing can have changed.",
            errors=[{"parameter": "to_edition", "in": "query", "message": "same edition"}],
        )


def flip_rule(
    indicator: str | None, threshold: Decimal | None, basis: Basis
) -> ComplianceRule | None:
    """The threshold flips are tested against (share_gdp's 2% unless told); None: none applies."""
    flip_on = indicator or "share_gdp"
    limit = threshold if threshold is not None else GUIDELINES.get(flip_on)
    if limit is None or flip_on not in COMPLIANCE_INDICATORS:
        return None
    return ComplianceRule(flip_on, limit, basis)


def compare_editions(
    rows: Iterable[Sequence[Any]],
    names: dict[str, str],
    *,
    from_edition: str,
    to_edition: str,
    definitions: dict[str, str],
    rule: ComplianceRule | None,
    price_bases: dict[str, int | None] | None = None,
    constant_indicators: frozenset[str] = frozenset(),
) -> ChangeSet:
    """Changes (largest first) and flips of figures present in both editions; constant-price
    indicators across two price bases are counted in `not_compared`, never differenced.

    A row is (ally, indicator, year, from_value, from_source, to_value, to_source).
    """
    bases = price_bases or {}
    from_base, to_base = bases.get(from_edition), bases.get(to_edition)
    withheld: Counter[str] = Counter()
    changes: list[Change] = []
    flips: list[Flip] = []
    for ally, indicator, year, from_value, from_source, to_value, to_source in rows:
        if from_base != to_base and indicator in constant_indicators:
            withheld[indicator] += 1
            continue
        change = Decimal(to_value) - Decimal(from_value)
        # Exact comparison of the numbers: "2.0" and "2.00" are the same figure, not a change.
        if change != 0:
            name = names[ally]
            changes.append(
                Change(
                    ally,
                    name,
                    indicator,
                    year,
                    from_value,
                    from_source,
                    to_value,
                    to_source,
                    change,
                )
            )
        if rule is not None and indicator == rule.indicator:
            before = meets(from_value, rule.threshold, rule.basis)
            after = meets(to_value, rule.threshold, rule.basis)
            if before != after:
                flips.append(Flip(ally, names[ally], year, from_value, to_value, before, after))
    changes.sort(key=lambda c: (-abs(c.change), c.indicator, c.year, c.ally))
    flips.sort(key=lambda f: (f.year, f.ally))
    return ChangeSet(
        from_edition=from_edition,
        to_edition=to_edition,
        from_definition=definitions[from_edition],
        to_definition=definitions[to_edition],
        changes=changes,
        flips=flips,
        rule=rule,
        from_price_base_year=from_base,
        to_price_base_year=to_base,
        not_compared=[
            NotCompared(
                indicator,
                count,
                price_base_reason(indicator, (from_edition, from_base), (to_edition, to_base)),
            )
            for indicator, count in sorted(withheld.items())
        ],
    )
