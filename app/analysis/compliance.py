"""Who meets a threshold (2% of GDP, 20% equipment, ...): classification, gap, shortfall and
the comparison with published counts, decided in exact decimals.

Values are `decimal.Decimal` built from the exact published text, never from floats:
1.995933772 must not become 2.0 by accident.

Rules (stated in every response):
- `full_precision`: compare the stored value as published (all its digits).
- `published`: first round the value to the 2 decimals NATO prints, half up
  (ROUND_HALF_UP: 1.995 -> 2.00), then compare.
- A value equal to the threshold meets it (NATO: "at or above 2%").
- An ally without a figure is `no_data`, never failing; its reason says why, and when it was
  not yet an ally (in that year, or when the pinned edition was published: 2019-06 lists 28
  allies, not North Macedonia, Finland or Sweden) a count claim does not wait for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import Any

from app.analysis.decimals import decimal_text, published_value
from app.analysis.editions import EditionRule
from app.errors import Unprocessable

ICELAND = "ISL"
ICELAND_REASON = "Iceland has no armed forces: no expenditure figures"

# Indicators where "at or above a threshold" means something (percentages of GDP or of total
# expenditure, and annual real change); money and personnel counts are not thresholds.
COMPLIANCE_INDICATORS: dict[str, str] = {
    "share_gdp": "defence expenditure as % of GDP (2% guideline; 3.5% core / 5% 2025 targets)",
    "equipment_share": "major equipment as % of defence expenditure (20% guideline)",
    "personnel_share": "personnel as % of defence expenditure",
    "infrastructure_share": "infrastructure as % of defence expenditure",
    "other_share": "other expenditure as % of defence expenditure",
    "real_change": "annual real change of defence expenditure, %",
}
# The guideline each indicator is usually checked against (the default threshold).
GUIDELINES: dict[str, Decimal] = {"share_gdp": Decimal("2"), "equipment_share": Decimal("20")}


class Basis(StrEnum):
    full_precision = "full_precision"
    published = "published"


def compared_value(value: Decimal, basis: Basis) -> Decimal:
    return published_value(value) if basis is Basis.published else value


def meets(value: str, threshold: Decimal, basis: Basis) -> bool:
    """A published value at or above the threshold, on the basis."""
    return compared_value(Decimal(value), basis) >= threshold


def rule_text(indicator: str, threshold: Decimal, basis: Basis) -> str:
    how = (
        "the stored value with all its published digits"
        if basis is Basis.full_precision
        else "the value rounded to 2 decimals, half up (as NATO prints it)"
    )
    return (
        f"meets when {indicator} >= {decimal_text(threshold)}, comparing {how}; "
        "a value equal to the threshold meets it; no figure means no_data, never failing"
    )


@dataclass(frozen=True)
class ComplianceRule:
    """The comparison applied, with its text: what a response states so a count reproduces."""

    indicator: str
    threshold: Decimal
    basis: Basis
    comparison: str = "value >= threshold"

    @property
    def description(self) -> str:
        return rule_text(self.indicator, self.threshold, self.basis)


def default_threshold(indicator: str, threshold: Decimal | None) -> Decimal:
    """The given threshold, or the indicator's guideline; 422 when it has none."""
    if threshold is not None:
        return threshold
    if indicator in GUIDELINES:
        return GUIDELINES[indicator]
    raise Unprocessable(
        f"threshold: {indicator} has no default guideline; give a threshold, e.g. threshold=20.",
        errors=[{"parameter": "threshold", "in": "query", "message": "required"}],
    )


def check_indicator(indicator: str) -> None:
    """A threshold applies to shares and rates only: a 422 for any other indicator."""
    if indicator not in COMPLIANCE_INDICATORS:
        known = ", ".join(COMPLIANCE_INDICATORS)
        raise Unprocessable(
            f"indicator: {indicator!r} is not a share or rate that a threshold applies to. "
            f"Use one of: {known}.",
            errors=[{"parameter": "indicator", "in": "query", "message": "not a threshold"}],
        )


def compliance_rule(indicator: str, threshold: Decimal | None, basis: Basis) -> ComplianceRule:
    """The rule a request asks for (call after the indicator is known to exist)."""
    check_indicator(indicator)
    return ComplianceRule(indicator, default_threshold(indicator, threshold), basis)


@dataclass(slots=True)  # not frozen: a frozen dataclass is 4x slower to build, 400 a request
class Figure:
    """One resolved per-ally figure, with same-edition spending and GDP for the shortfall."""

    ally: str
    year: int
    value: str
    edition: str
    source: str
    is_estimate: bool
    unit: str
    expenditure: str | None = None
    gdp: str | None = None


@dataclass
class Status:
    """One ally's decided status: `meets` None means no figure (`reason` says why)."""

    ally: str
    name: str
    year: int
    figure: Figure | None
    meets: bool | None
    compared: Decimal | None
    gap: Decimal | None
    shortfall: Decimal | None
    reason: str | None

    @property
    def status(self) -> str:
        if self.meets is None:
            return "no_data"
        return "meeting" if self.meets else "below"


@dataclass
class Summary:
    meeting: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    # Of no_data: allies that were not yet allies (see Membership); not in the JSON summary.
    not_yet_allies: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "meeting": len(self.meeting),
            "below": len(self.below),
            "no_data": len(self.no_data),
            "meeting_allies": self.meeting,
            "below_allies": self.below,
            "no_data_allies": self.no_data,
            "conflicting_allies": self.conflicting,
        }


@dataclass(frozen=True)
class PublishedCount:
    aggregate: str
    indicator: str
    year: int
    value: str | None
    qualifier: str | None
    unit: str
    edition: str
    source: str
    is_estimate: bool
    notes: str | None


@dataclass(frozen=True)
class CountCheck:
    """A published count beside the computed one; `mismatch` None: not comparable."""

    published: PublishedCount
    computed_meeting: int
    mismatch: bool | None


@dataclass(frozen=True)
class Membership:
    """When each ally joined NATO, and when the pinned edition (if any) was published.

    `joined` is the accession day where known, else 1 January of the accession year: the
    earliest it can be, so "not yet an ally" is never said of an ally that was one.
    """

    joined: Mapping[str, dt.date] = field(default_factory=dict)
    published_on: dt.date | None = None

    def not_yet(self, ally: str, name: str, year: int) -> str | None:
        """Why `ally` could not be in the figures of `year`, or None when it was an ally."""
        joined = self.joined.get(ally)
        if joined is None:
            return None
        if self.published_on is not None and joined > self.published_on:
            return (
                f"{name} was not yet an ally when the edition was published "
                f"({self.published_on.isoformat()}; joined {joined.year})"
            )
        if joined.year > year:
            return f"{name} was not yet an ally in {year} (joined {joined.year})"
        return None


def missing_reason(ally: str, name: str, indicator: str, year: int, rule: EditionRule) -> str:
    if ally == ICELAND:
        return ICELAND_REASON
    if rule.edition:
        return f"edition {rule.edition} has no {indicator} figure for {name} in {year}"
    if rule.as_of:
        return (
            f"no edition published on or before {rule.as_of.isoformat()} has a {indicator} "
            f"figure for {name} in {year}"
        )
    return f"no edition has a {indicator} figure for {name} in {year}"


def classify(
    figures: Iterable[Figure],
    names: dict[str, str],
    *,
    year: int,
    rule: ComplianceRule,
    edition_rule: EditionRule,
    membership: Membership | None = None,
) -> tuple[list[Status], Summary]:
    """One status per figure (two when one edition has two sources), one per ally without."""
    membership = membership or Membership()
    indicator, threshold, basis = rule.indicator, rule.threshold, rule.basis
    by_ally: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_ally[figure.ally].append(figure)
    statuses: list[Status] = []
    summary = Summary()
    for ally, name in names.items():
        rows = [] if ally == ICELAND else by_ally.get(ally, [])
        if not rows:
            reason = missing_reason(ally, name, indicator, year, edition_rule)
            not_yet = membership.not_yet(ally, name, year)
            if not_yet and ally != ICELAND:
                reason = f"{reason}: {not_yet}"
                summary.not_yet_allies.append(ally)
            statuses.append(Status(ally, name, year, None, None, None, None, None, reason))
            summary.no_data.append(ally)
            continue
        outcomes = set()
        for figure in rows:
            status = _status(figure, name, threshold, basis, indicator)
            outcomes.add(status.meets)
            statuses.append(status)
        if len(outcomes) > 1:
            summary.conflicting.append(ally)
        elif outcomes == {True}:
            summary.meeting.append(ally)
        else:
            summary.below.append(ally)
    return statuses, summary


def shortfall_usd(threshold: Decimal, gdp: str, expenditure: str) -> Decimal:
    """threshold/100 x GDP - defence expenditure (both million US$ at current prices, of one
    edition and year), never below 0; exact. Shared with the pathways' additional spending."""
    with localcontext() as ctx:
        ctx.prec = 60
        needed = threshold / 100 * Decimal(gdp) - Decimal(expenditure)
    return max(needed, Decimal(0))


def _status(figure: Figure, name: str, threshold: Decimal, basis: Basis, indicator: str) -> Status:
    value = compared_value(Decimal(figure.value), basis)
    meets = value >= threshold
    shortfall: Decimal | None = None
    if indicator == "share_gdp" and figure.expenditure is not None and figure.gdp is not None:
        shortfall = (
            Decimal(0) if meets else shortfall_usd(threshold, figure.gdp, figure.expenditure)
        )
    return Status(
        ally=figure.ally,
        name=name,
        year=figure.year,
        figure=figure,
        meets=meets,
        compared=value,
        gap=value - threshold,
        shortfall=shortfall,
        reason=None,
    )


def counts_apply(rule: ComplianceRule) -> bool:
    """Published counts are of allies at 2% of GDP: comparable only to that question."""
    return rule.indicator == "share_gdp" and rule.threshold == GUIDELINES["share_gdp"]


def count_mismatch(published: PublishedCount, meeting: int, editions: Sequence[str]) -> bool | None:
    """True/False when the count is a number from the same (single) edition as the figures."""
    if published.value is None or list(editions) != [published.edition]:
        return None
    return Decimal(published.value) != meeting


def check_counts(
    counts: Iterable[PublishedCount], meeting: int, editions: Sequence[str]
) -> list[CountCheck]:
    return [CountCheck(c, meeting, count_mismatch(c, meeting, editions)) for c in counts]


@dataclass(frozen=True)
class YearCompliance:
    """One year decided: the classes, the editions compared and the published counts."""

    year: int
    summary: Summary
    editions: list[str]
    counts: list[CountCheck]


@dataclass(frozen=True)
class ComplianceResult:
    """Every ally's status in one year, under `rule` and `edition_rule`."""

    rule: ComplianceRule
    edition_rule: EditionRule
    year: int
    statuses: list[Status]
    summary: Summary
    editions: list[str]
    counts: list[CountCheck]
    # Edition -> its expenditure definition, so each item names what its figure measures.
    definitions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ComplianceHistory:
    rule: ComplianceRule
    edition_rule: EditionRule
    years: list[YearCompliance]


def assess_year(
    figures: list[Figure],
    names: dict[str, str],
    published: list[PublishedCount],
    *,
    year: int,
    rule: ComplianceRule,
    edition_rule: EditionRule,
    membership: Membership | None = None,
) -> ComplianceResult:
    """Classify one year's figures and set the published counts beside the computed one."""
    statuses, summary = classify(
        figures, names, year=year, rule=rule, edition_rule=edition_rule, membership=membership
    )
    editions = sorted({f.edition for f in figures})
    counts = check_counts(published, len(summary.meeting), editions)
    return ComplianceResult(rule, edition_rule, year, statuses, summary, editions, counts)


def assess_history(
    figures: list[Figure],
    names: dict[str, str],
    published: list[PublishedCount],
    *,
    rule: ComplianceRule,
    edition_rule: EditionRule,
    membership: Membership | None = None,
) -> ComplianceHistory:
    """Per year with figures: the classes and the counts published for that year."""
    published_by_year: dict[int, list[PublishedCount]] = defaultdict(list)
    for count in published:
        published_by_year[count.year].append(count)
    by_year: dict[int, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_year[figure.year].append(figure)
    years = []
    for year in sorted(by_year):
        _, summary = classify(
            by_year[year],
            names,
            year=year,
            rule=rule,
            edition_rule=edition_rule,
            membership=membership,
        )
        editions = sorted({f.edition for f in by_year[year]})
        counts = check_counts(published_by_year.get(year, []), len(summary.meeting), editions)
        years.append(YearCompliance(year, summary, editions, counts))
    return ComplianceHistory(rule, edition_rule, years)
