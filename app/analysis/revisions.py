"""How a figure was revised from edition to edition, and what changed between two editions.

Changes are exact decimal differences of the published texts. Where one edition has a figure
from two sources, both rows are kept with their sources (never silently one of them) and no
change is computed across that edition.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


def revisions(rows: Sequence[RevisionRow]) -> list[Revision]:
    """The rows (oldest edition first) with the change from the previous edition."""
    per_edition = Counter(row.edition for row in rows)
    items: list[Revision] = []
    previous: RevisionRow | None = None
    for row in rows:
        change = change_published = None
        definition_changed = False
        if previous is not None and previous.edition != row.edition:
            definition_changed = previous.definition != row.definition
        elif previous is not None:
            definition_changed = items[-1].definition_changed
        if (
            previous is not None
            and previous.edition != row.edition
            and per_edition[row.edition] == 1
            and per_edition[previous.edition] == 1
            and row.value is not None
            and previous.value is not None
        ):
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
class ChangeSet:
    from_edition: str
    to_edition: str
    from_definition: str
    to_definition: str
    changes: list[Change]
    flips: list[Flip]
    rule: ComplianceRule | None  # the threshold flips were tested against

    @property
    def definition_changed(self) -> bool:
        return self.from_definition != self.to_definition


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
) -> ChangeSet:
    """Changes (largest first) and flips of figures present in both editions.

    A row is (ally, indicator, year, from_value, from_source, to_value, to_source).
    """
    changes: list[Change] = []
    flips: list[Flip] = []
    for ally, indicator, year, from_value, from_source, to_value, to_source in rows:
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
    )
