"""What an edition changed against the edition before it: revised figures, the largest
share-of-GDP revisions, allies crossing 2% and 3.5%, and the pathway statuses to 3.5% by 2035.

One function for both readers: `nato-api import-workbook` prints it for a workbook being
imported, and /v1/editions.atom writes it into each edition's feed entry. Shares are compared
as NATO prints them (2 decimals, half up), as the compliance rules' `published` basis does;
constant-price figures of two base years are never compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from app.analysis.decimals import published_value
from app.analysis.editions import EditionRule
from app.analysis.pathways import STATUSES, PathwayRule, ShareFigure, assess
from app.errors import Unprocessable

THRESHOLDS = (Decimal("2"), Decimal("3.5"))
SHARE = "share_gdp"
LARGEST = 5
# (indicator, ally, year) -> the published text.
Figures = Mapping[tuple[str, str, int], str]
# A figure in both editions: (indicator, ally, year, value before, value after).
Common = tuple[str, str, int, str, str]


@dataclass(frozen=True)
class EditionFigures:
    """One edition as the comparison needs it: its facts, whether it has per-ally figures,
    and its share_gdp figures, (ally, year) -> published text."""

    id: str
    title: str
    published_on: dt.date
    definition: str
    price_base_year: int | None
    shares: Mapping[tuple[str, int], str]
    has_figures: bool = True


def shares_of(figures: Figures) -> dict[tuple[str, int], str]:
    """The share_gdp figures of a whole edition's figures."""
    return {(ally, year): v for (ind, ally, year), v in figures.items() if ind == SHARE}


def common_figures(new: Figures, old: Figures) -> list[Common]:
    """The figures in both editions (the SQL of the feed selects the same rows)."""
    return [(i, a, y, old[(i, a, y)], v) for (i, a, y), v in new.items() if (i, a, y) in old]


@dataclass(frozen=True)
class Revision:
    ally: str
    year: int
    before: str
    after: str
    change: Decimal


@dataclass(frozen=True)
class Crossing:
    """Allies at or above a threshold in the edition's newest year, and who crossed it."""

    threshold: Decimal
    year: int
    at: list[str]
    of: int
    # label -> (up, down): against the previous edition's same year, and the year before.
    against: dict[str, tuple[list[str], list[str]]]


@dataclass(frozen=True)
class EditionChanges:
    edition: EditionFigures
    previous: EditionFigures | None
    revised: int = 0
    common: int = 0
    comparable_base: bool = True
    largest: list[Revision] = field(default_factory=list)
    crossings: list[Crossing] = field(default_factory=list)
    pathways: dict[str, int] | None = None
    pathway_rule: PathwayRule = field(default_factory=PathwayRule)

    @property
    def definition_changed(self) -> bool:
        return self.previous is not None and self.previous.definition != self.edition.definition

    def lines(self) -> list[str]:
        """The summary in words, one line each (the import prints them; the feed shows them)."""
        out: list[str] = []
        if not self.edition.has_figures:
            return ["no per-ally figures in this edition (group figures or statements only)"]
        if self.previous is None:
            out.append("against the previous edition: none is older")
        else:
            out.append(
                f"against {self.previous.id} ({self.previous.title}): {self.revised} of "
                f"{self.common} common per-ally figures revised"
                + (
                    ""
                    if self.comparable_base
                    else " (constant-price figures left out: another base year)"
                )
                + ("; definition changed" if self.definition_changed else "")
            )
            for r in self.largest:
                out.append(
                    f"  largest share_gdp revision: {r.ally} {r.year} {r.before} -> {r.after} "
                    f"({r.change:+.2f} pp)"
                )
        for crossing in self.crossings:
            out.append(
                f"at or above {crossing.threshold}% in {crossing.year}: {len(crossing.at)} of "
                f"{crossing.of} allies"
            )
            for label, (up, down) in crossing.against.items():
                out.append(
                    f"  crossing against {label}: up {' '.join(up) or '-'}; "
                    f"down {' '.join(down) or '-'}"
                )
        if self.pathways is not None:
            rule = self.pathway_rule
            counts = ", ".join(f"{status} {self.pathways[status]}" for status in STATUSES[:-1])
            out.append(
                f"pathways to {rule.target}% by {rule.by} (pace of {rule.pace_years} years, "
                f"this edition's figures): {counts}"
            )
        return out


def compare(
    edition: EditionFigures,
    previous: EditionFigures | None,
    *,
    common: Iterable[Common],
    constant_indicators: frozenset[str],
    pathway_rule: PathwayRule | None = None,
) -> EditionChanges:
    """What `edition` changed against `previous` (None: nothing older with figures), given
    the figures both have."""
    rule = pathway_rule or PathwayRule()
    crossings = _crossings(edition, previous)
    pathways = _pathways(edition, rule)
    if previous is None:
        return EditionChanges(
            edition, None, crossings=crossings, pathways=pathways, pathway_rule=rule
        )
    comparable_base = previous.price_base_year == edition.price_base_year
    revised: list[tuple[str, Revision]] = []
    compared = 0
    for indicator, ally, year, before, value in common:
        if not comparable_base and indicator in constant_indicators:
            continue  # constant prices of two base years are not comparable
        compared += 1
        if Decimal(before) != Decimal(value):
            change = Decimal(value) - Decimal(before)
            revised.append((indicator, Revision(ally, year, before, value, change)))
    shares = sorted(
        (r for indicator, r in revised if indicator == SHARE),
        key=lambda r: (-abs(r.change), r.year, r.ally),
    )
    return EditionChanges(
        edition,
        previous,
        revised=len(revised),
        common=compared,
        comparable_base=comparable_base,
        largest=shares[:LARGEST],
        crossings=crossings,
        pathways=pathways,
        pathway_rule=rule,
    )


def _crossings(edition: EditionFigures, previous: EditionFigures | None) -> list[Crossing]:
    shares = edition.shares
    if not shares:
        return []
    latest = max(year for _, year in shares)
    now = {a: published_value(Decimal(v)) for (a, y), v in shares.items() if y == latest}
    year_before = {
        a: published_value(Decimal(v)) for (a, y), v in shares.items() if y == latest - 1
    }
    then = (
        {a: published_value(Decimal(v)) for (a, y), v in previous.shares.items() if y == latest}
        if previous is not None
        else {}
    )
    out = []
    for threshold in THRESHOLDS:
        at = sorted(a for a, v in now.items() if v >= threshold)
        against: dict[str, tuple[list[str], list[str]]] = {}
        bases = (
            (f"{previous.id}'s {latest}" if previous else "", then),
            (f"{latest - 1}", year_before),
        )
        for label, base in bases:
            if not base:
                continue
            up = sorted(a for a in at if a in base and base[a] < threshold)
            down = sorted(a for a, v in now.items() if v < threshold <= base.get(a, Decimal(-1)))
            against[label] = (up, down)
        out.append(Crossing(threshold, latest, at, len(now), against))
    return out


def _pathways(edition: EditionFigures, rule: PathwayRule) -> dict[str, int] | None:
    """Status counts of the edition's own newest share figures (None without any)."""
    shares = edition.shares
    newest: dict[str, int] = {}
    for ally, year in shares:
        newest[ally] = max(year, newest.get(ally, year))
    if not newest:
        return None
    figures = [
        ShareFigure(
            ally,
            year,
            shares[(ally, year)],
            edition.id,
            "",
            False,
            "% of GDP",
            edition.definition,
            edition.price_base_year,
            shares.get((ally, year - rule.pace_years)),
        )
        for ally, year in sorted(newest.items())
    ]
    try:
        result = assess(
            figures,
            {ally: ally for ally in sorted(newest)},
            rule=rule,
            edition_rule=EditionRule(edition=edition.id),
        )
    except Unprocessable:  # the edition's figures reach the deadline: no path to speak of
        return None
    return result.summary.counts()
