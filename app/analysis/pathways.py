"""Each ally's path to a share-of-GDP target by a deadline (the Hague 3.5% by 2035 by default):
shortfall, required yearly increase, current pace, status and projection, in exact decimals.

Rules (stated in every answer, `PathwayRule.description`):
- the figure is the ally's newest share_gdp figure under the edition rule; the pace is
  measured inside that figure's own edition, never across editions (definitions and price
  bases change between them);
- differences are exact decimal differences of the published texts; decisions (status,
  projected year) are taken on exact fractions;
- a quotient is written exactly when it terminates (1.5 / 3 = 0.5); one that does not
  terminate (1.5 / 9) is rounded half-even to QUOTIENT_PLACES decimal places, and the rule
  says so. Decimal has no repeating-decimal notation; 12 places is far below the published
  figures' precision (at most 17 significant digits of a share of a few per cent) and is
  exact for every terminating quotient of this data's sizes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, Inexact, localcontext
from fractions import Fraction
from typing import Any

from app.analysis.compliance import ICELAND, ICELAND_REASON, shortfall_usd
from app.analysis.decimals import decimal_text
from app.analysis.editions import EditionRule
from app.errors import Unprocessable

QUOTIENT_PLACES = 12
_QUANTUM = Decimal(1).scaleb(-QUOTIENT_PLACES)
EXACT_DIGITS = 60
DEFAULT_TARGET = Decimal("3.5")
DEFAULT_BY = 2035
DEFAULT_PACE_YEARS = 3
HAGUE_CORE = Decimal("3.5")
HAGUE_TOTAL = Decimal("5")
STATUSES = ("met", "on_track", "off_track", "insufficient_data", "no_data")


@dataclass(frozen=True)
class Computed:
    """A computed number: `value` exact when `exact`, else rounded to QUOTIENT_PLACES."""

    value: Decimal
    exact: bool = True

    @property
    def text(self) -> str:
        return decimal_text(self.value)


def to_decimal(value: Fraction) -> Computed:
    """A fraction as a Decimal: exact if it terminates, else rounded half-even to 12 places."""
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        ctx.traps[Inexact] = False
        ctx.clear_flags()
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
        if not ctx.flags[Inexact]:
            return Computed(quotient, exact=True)
        return Computed(quotient.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN), exact=False)


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


@dataclass(frozen=True)
class PathwayRule:
    """The target, the deadline and the pace window asked for, with the rule's text."""

    target: Decimal = DEFAULT_TARGET
    by: int = DEFAULT_BY
    pace_years: int = DEFAULT_PACE_YEARS

    @property
    def quotient_places(self) -> int:
        return QUOTIENT_PLACES

    @property
    def description(self) -> str:
        target = decimal_text(self.target)
        return " ".join(
            [
                f"Target {target}% of GDP by {self.by}. The figure is each ally's newest share_gdp "
                "figure under the edition rule (its edition's expenditure definition and price "
                "base are named beside it).",
                f"shortfall_pp = max(0, {target} - latest_value); years_left = {self.by} - "
                "latest_year; required_pp_per_year = shortfall_pp / years_left.",
                f"pace_pp_per_year = (latest_value - value of latest_year - {self.pace_years}) / "
                f"{self.pace_years}, both figures from the same edition (never across editions); "
                "null when that edition has no figure for that year.",
                "status: met (shortfall 0), on_track (pace >= required), off_track (pace < "
                "required), insufficient_data (no pace), no_data (no figure).",
                "projected_year = latest_year + ceil(shortfall_pp / pace_pp_per_year) when the "
                "pace is positive and the target not met, else null.",
                f"additional_usd_million = {target}/100 * GDP (gdp_usd_current) - defence "
                "expenditure (usd_current), both of the figure's own edition and year, million US "
                "dollars at current prices; 0 when met; null when that edition lacks either.",
                "All computed values are exact decimals of the published texts, except quotients "
                f"that do not terminate, rounded half-even to {QUOTIENT_PLACES} decimal places "
                "(statuses and projected years are decided on the exact fractions).",
                self._scope(),
            ]
        )

    def _scope(self) -> str:
        scope = (
            "The Hague commitment (June 2025) is 5% of GDP by 2035: at least 3.5% on core "
            "defence expenditure plus up to 1.5% on defence- and security-related spending. "
            "NATO's tables have no per-ally figures of the related spending, so every target "
            "is compared with defence expenditure alone (core defence expenditure in 2026-07, "
            "NATO's earlier definition before)."
        )
        if self.target > HAGUE_CORE:
            scope += (
                f" A target of {decimal_text(self.target)} is therefore measured against core "
                "defence expenditure alone, without the related spending it would include."
            )
        return scope


def check_rule(target: Decimal, by: int, pace_years: int) -> PathwayRule:
    """The rule asked for; a target outside (0, 100] is a 422 (the HTTP bounds say so too)."""
    if not Decimal(0) < target <= Decimal(100):
        raise Unprocessable(
            f"target: {target} is not a share of GDP above 0 and at most 100.",
            errors=[{"parameter": "target", "in": "query", "message": "out of range"}],
        )
    return PathwayRule(target, by, pace_years)


@dataclass(slots=True)
class ShareFigure:
    """An ally's newest share_gdp figure, with the same-edition values the rules need."""

    ally: str
    year: int
    value: str
    edition: str
    source: str
    is_estimate: bool
    unit: str
    expenditure_definition: str
    price_base_year: int | None
    earlier_value: str | None = None
    expenditure: str | None = None
    gdp: str | None = None


@dataclass(frozen=True)
class Pathway:
    """One ally decided under the rule; `figure` None means no figure (`reason` says why)."""

    ally: str
    name: str
    figure: ShareFigure | None
    status: str
    earlier_year: int | None = None
    shortfall: Decimal | None = None
    years_left: int | None = None
    required: Computed | None = None
    pace: Computed | None = None
    projected_year: int | None = None
    additional_usd_million: Decimal | None = None
    reason: str | None = None
    # Exact fractions, for the year-by-year paths (never rounded before use).
    required_exact: Fraction | None = None
    pace_exact: Fraction | None = None


def check_deadline(rule: PathwayRule, figures: Iterable[ShareFigure]) -> None:
    """A deadline not after the newest figure's year leaves no year to close a gap: a 422."""
    years = {f.year for f in figures}
    if not years:
        return
    newest = max(years)
    if rule.by <= newest:
        allies = sorted(f.ally for f in figures if f.year == newest)
        shown = " ".join(allies[:5]) + (" ..." if len(allies) > 5 else "")
        raise Unprocessable(
            f"by: {rule.by} is not after {newest}, the year of the newest figure it applies to "
            f"({shown}); give by={newest + 1} or later.",
            errors=[{"parameter": "by", "in": "query", "message": f"not after {newest}"}],
        )


def decide(figure: ShareFigure, name: str, rule: PathwayRule) -> Pathway:
    """The rules for one ally's figure."""
    latest = Decimal(figure.value)
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        shortfall = max(rule.target - latest, Decimal(0))
        additional = _additional(figure, rule.target, met=shortfall == 0)
    years_left = rule.by - figure.year
    required_exact = _fraction(shortfall) / years_left
    earlier_year = figure.year - rule.pace_years
    pace_exact: Fraction | None = None
    if figure.earlier_value is not None:
        pace_exact = (_fraction(latest) - _fraction(Decimal(figure.earlier_value))) / Fraction(
            rule.pace_years
        )
    if shortfall == 0:
        status = "met"
    elif pace_exact is None:
        status = "insufficient_data"
    else:
        status = "on_track" if pace_exact >= required_exact else "off_track"
    projected_year = None
    if status != "met" and pace_exact is not None and pace_exact > 0:
        projected_year = figure.year + math.ceil(_fraction(shortfall) / pace_exact)
    return Pathway(
        ally=figure.ally,
        name=name,
        figure=figure,
        status=status,
        earlier_year=earlier_year,
        shortfall=shortfall,
        years_left=years_left,
        required=to_decimal(required_exact),
        pace=to_decimal(pace_exact) if pace_exact is not None else None,
        projected_year=projected_year,
        additional_usd_million=additional,
        required_exact=required_exact,
        pace_exact=pace_exact,
    )


def _additional(figure: ShareFigure, target: Decimal, *, met: bool) -> Decimal | None:
    # As compliance's shortfall_usd_million: the figure's own edition and year, never another.
    if figure.expenditure is None or figure.gdp is None:
        return None
    return Decimal(0) if met else shortfall_usd(target, figure.gdp, figure.expenditure)


def missing_reason(ally: str, name: str, rule: EditionRule) -> str:
    if ally == ICELAND:
        return ICELAND_REASON
    if rule.edition:
        return f"edition {rule.edition} has no share_gdp figure for {name}"
    if rule.as_of:
        return (
            f"no edition published on or before {rule.as_of.isoformat()} has a share_gdp "
            f"figure for {name}"
        )
    return f"no edition has a share_gdp figure for {name}"


@dataclass
class PathwaySummary:
    """Allies per status (in code order) and the sum of the additional spending."""

    allies: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STATUSES})
    additional_usd_million: Decimal = Decimal(0)
    additional_missing: list[str] = field(default_factory=list)
    editions: list[str] = field(default_factory=list)
    expenditure_definitions: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {status: len(allies) for status, allies in self.allies.items()}


@dataclass(frozen=True)
class PathwaysResult:
    rule: PathwayRule
    edition_rule: EditionRule
    items: list[Pathway]
    summary: PathwaySummary


def assess(
    figures: Iterable[ShareFigure],
    names: Mapping[str, str],
    *,
    rule: PathwayRule,
    edition_rule: EditionRule,
) -> PathwaysResult:
    """Every ally in `names` (code order) decided; a 422 when `by` is not after a figure."""
    by_ally = {f.ally: f for f in figures if f.ally != ICELAND}
    check_deadline(rule, by_ally.values())
    items: list[Pathway] = []
    summary = PathwaySummary()
    with localcontext() as ctx:
        ctx.prec = EXACT_DIGITS
        for ally, name in names.items():
            figure = by_ally.get(ally)
            if figure is None:
                reason = missing_reason(ally, name, edition_rule)
                items.append(Pathway(ally, name, None, "no_data", reason=reason))
                summary.allies["no_data"].append(ally)
                continue
            pathway = decide(figure, name, rule)
            items.append(pathway)
            summary.allies[pathway.status].append(ally)
            if pathway.additional_usd_million is None:
                summary.additional_missing.append(ally)
            else:
                summary.additional_usd_million += pathway.additional_usd_million
    decided = [p.figure for p in items if p.figure is not None]
    summary.editions = sorted({f.edition for f in decided})
    summary.expenditure_definitions = sorted({f.expenditure_definition for f in decided})
    return PathwaysResult(rule, edition_rule, items, summary)


@dataclass(frozen=True)
class PathPoint:
    """One year of a path: the published figure, the required path and the projection."""

    year: int
    published: str | None = None
    required: Computed | None = None
    projected: Computed | None = None


def year_by_year(pathway: Pathway, series: Sequence[tuple[int, str]], by: int) -> list[PathPoint]:
    """The published series (one edition), then from latest_year to `by` the straight-line
    required path and the projection at the current pace (null without a pace)."""
    published = dict(series)
    figure = pathway.figure
    if figure is None or pathway.required_exact is None:
        return [PathPoint(year, value) for year, value in sorted(published.items())]
    start = _fraction(Decimal(figure.value))
    years = sorted(set(published) | set(range(figure.year, by + 1)))
    points = []
    for year in years:
        if year < figure.year:
            points.append(PathPoint(year, published.get(year)))
            continue
        steps = year - figure.year
        required = to_decimal(start + pathway.required_exact * steps)
        projected = (
            to_decimal(start + pathway.pace_exact * steps)
            if pathway.pace_exact is not None
            else None
        )
        points.append(PathPoint(year, published.get(year), required, projected))
    return points


@dataclass(frozen=True)
class AllyPathway:
    """One ally's pathway with its published series (one edition) and the paths year by year."""

    rule: PathwayRule
    edition_rule: EditionRule
    pathway: Pathway
    points: list[PathPoint]


def as_counts(summary: PathwaySummary) -> dict[str, Any]:
    """The summary's counts and allies, keyed as the JSON summary is."""
    out: dict[str, Any] = dict(summary.counts())
    out.update({f"{status}_allies": allies for status, allies in summary.allies.items()})
    return out
