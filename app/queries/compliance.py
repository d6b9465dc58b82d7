"""Who meets a threshold (2% of GDP, 20% equipment, ...), per ally and per year, edition by edition.

The decision is made in Python with `decimal.Decimal` built from the exact published text
(observations.value), never from floats: 1.995933772 must not become 2.0 by accident. SQL
selects and resolves the figures (edition rule as an indexed filter); only the comparison and
the gap/shortfall arithmetic happen here.

Rules (stated in every response):
- `full_precision`: compare the stored value as published (all its digits).
- `published`: first round the value to the 2 decimals NATO prints, half up
  (ROUND_HALF_UP: 1.995 -> 2.00), then compare.
- A value equal to the threshold meets it (NATO: "at or above 2%").
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.errors import Unprocessable
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.editions_rule import AnySelect, EditionRule, in_force_template
from app.queries.lookups import indicator_filter

ICELAND = "ISL"
ICELAND_REASON = "Iceland has no armed forces: no expenditure figures"
PUBLISHED_QUANTUM = Decimal("0.01")

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
PUBLISHED_COUNT_INDICATORS = ("count_allies_2pct", "fraction_allies_2pct")


class Basis(StrEnum):
    full_precision = "full_precision"
    published = "published"


def published_value(value: Decimal) -> Decimal:
    """The value as NATO prints it: 2 decimals, rounded half up."""
    return value.quantize(PUBLISHED_QUANTUM, rounding=ROUND_HALF_UP)


def compared_value(value: Decimal, basis: Basis) -> Decimal:
    return published_value(value) if basis is Basis.published else value


def decimal_text(value: Decimal) -> str:
    """Plain (non-scientific) text of a Decimal."""
    return format(value, "f")


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


def check_compliance_indicator(session: Session, indicator: str) -> None:
    indicator_filter(session, [indicator])
    if indicator not in COMPLIANCE_INDICATORS:
        known = ", ".join(COMPLIANCE_INDICATORS)
        raise Unprocessable(
            f"indicator: {indicator!r} is not a share or rate that a threshold applies to. "
            f"Use one of: {known}.",
            errors=[{"parameter": "indicator", "in": "query", "message": "not a threshold"}],
        )


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
    ally: str
    name: str
    year: int
    figure: Figure | None
    meets: bool | None
    compared: Decimal | None
    gap: Decimal | None
    shortfall: Decimal | None
    reason: str | None


@dataclass
class Summary:
    meeting: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    no_data: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)

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


def select_figures(
    session: Session,
    *,
    indicator: str,
    rule: EditionRule,
    year: int | None = None,
    with_shortfall: bool = False,
) -> list[Figure]:
    """Per-ally figures of `indicator` under `rule`; spending and GDP of the same edition."""
    stmt = _figures_stmt(rule.mode, one_year=year is not None, with_shortfall=with_shortfall)
    params = {"indicator": indicator, "year": year, **rule.parameters()}
    return [Figure(*row) for row in session.execute(stmt, params)]


# Statements are built once per shape and run with parameters: see
# editions_rule.in_force_template.
@functools.cache
def _figures_stmt(mode: str, *, one_year: bool, with_shortfall: bool) -> AnySelect:
    o = Observation
    # In Figure's field order: rows become Figures positionally (by name is 2x slower).
    columns: list[Any] = [
        o.ally_iso3,
        o.year,
        o.value,
        o.edition_id,
        o.source_id,
        o.is_estimate,
        o.unit,
    ]
    stmt = select(*columns).where(
        o.indicator_id == bindparam("indicator"), in_force_template(mode, o)
    )
    if one_year:
        stmt = stmt.where(o.year == bindparam("year"))
    if with_shortfall:
        # Same edition as the figure itself: never mix a 2024-06 GDP with a 2026-07 share.
        spend, gdp = aliased(Observation, name="spend"), aliased(Observation, name="gdp")
        stmt = (
            stmt.add_columns(spend.value.label("expenditure"), gdp.value.label("gdp"))
            .outerjoin(
                spend,
                and_(
                    spend.indicator_id == "usd_current",
                    spend.ally_iso3 == o.ally_iso3,
                    spend.year == o.year,
                    spend.edition_id == o.edition_id,
                ),
            )
            .outerjoin(
                gdp,
                and_(
                    gdp.indicator_id == "gdp_usd_current",
                    gdp.ally_iso3 == o.ally_iso3,
                    gdp.year == o.year,
                    gdp.edition_id == o.edition_id,
                ),
            )
        )
    return stmt.order_by(o.year, o.ally_iso3, o.source_id)


_ALLY_NAMES = select(Ally.iso3, Ally.name).order_by(Ally.iso3)


def select_ally_names(session: Session) -> dict[str, str]:
    rows = session.execute(_ALLY_NAMES)
    return {row.iso3: row.name for row in rows}


def select_published_counts(
    session: Session, *, rule: EditionRule, year: int | None = None
) -> list[PublishedCount]:
    """Counts of allies at 2% as NATO or the press published them (aggregates ALLIES)."""
    stmt = _published_counts_stmt(rule.mode, one_year=year is not None)
    params = {"year": year, **rule.parameters()}
    return [PublishedCount(*row) for row in session.execute(stmt, params)]


@functools.cache
def _published_counts_stmt(mode: str, *, one_year: bool) -> AnySelect:
    a = Aggregate
    columns: list[Any] = [  # in PublishedCount's field order
        a.aggregate,
        a.indicator_id,
        a.year,
        a.value,
        a.qualifier,
        a.unit,
        a.edition_id,
        a.source_id,
        a.is_estimate,
        a.notes,
    ]
    stmt = select(*columns).where(
        a.aggregate == "ALLIES",
        a.indicator_id.in_(PUBLISHED_COUNT_INDICATORS),
        in_force_template(mode, a),
    )
    if one_year:
        stmt = stmt.where(a.year == bindparam("year"))
    return stmt.order_by(a.year, a.published_on, a.source_id)


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
    indicator: str,
    year: int,
    threshold: Decimal,
    basis: Basis,
    rule: EditionRule,
) -> tuple[list[Status], Summary]:
    """One status per figure (two when one edition has two sources), one per ally without."""
    by_ally: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_ally[figure.ally].append(figure)
    statuses: list[Status] = []
    summary = Summary()
    for ally, name in names.items():
        rows = [] if ally == ICELAND else by_ally.get(ally, [])
        if not rows:
            reason = missing_reason(ally, name, indicator, year, rule)
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


def _status(figure: Figure, name: str, threshold: Decimal, basis: Basis, indicator: str) -> Status:
    value = compared_value(Decimal(figure.value), basis)
    meets = value >= threshold
    shortfall = None
    if indicator == "share_gdp" and figure.expenditure is not None and figure.gdp is not None:
        with localcontext() as ctx:
            ctx.prec = 60
            needed = threshold / 100 * Decimal(figure.gdp) - Decimal(figure.expenditure)
        shortfall = max(needed, Decimal(0)) if not meets else Decimal(0)
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


@dataclass(frozen=True)
class ComplianceResult:
    statuses: list[Status]
    summary: Summary
    published: list[PublishedCount]
    editions: list[str]
    threshold: Decimal


def select_compliance(
    session: Session,
    *,
    year: int,
    indicator: str,
    threshold: Decimal | None,
    basis: Basis,
    rule: EditionRule,
) -> ComplianceResult:
    """Every ally's status against `threshold` for one year under the edition rule."""
    check_compliance_indicator(session, indicator)
    threshold = default_threshold(indicator, threshold)
    figures = select_figures(
        session,
        indicator=indicator,
        rule=rule,
        year=year,
        with_shortfall=indicator == "share_gdp",
    )
    names = select_ally_names(session)
    statuses, summary = classify(
        figures,
        names,
        indicator=indicator,
        year=year,
        threshold=threshold,
        basis=basis,
        rule=rule,
    )
    published = (
        select_published_counts(session, rule=rule, year=year)
        if counts_apply(indicator, threshold)
        else []
    )
    editions = sorted({f.edition for f in figures})
    return ComplianceResult(statuses, summary, published, editions, threshold)


def counts_apply(indicator: str, threshold: Decimal) -> bool:
    """Published counts are of allies at 2% of GDP: comparable only to that question."""
    return indicator == "share_gdp" and threshold == GUIDELINES["share_gdp"]


def count_mismatch(published: PublishedCount, meeting: int, editions: Sequence[str]) -> bool | None:
    """True/False when the count is a number from the same (single) edition as the figures."""
    if published.value is None or list(editions) != [published.edition]:
        return None
    return Decimal(published.value) != meeting


@dataclass(frozen=True)
class YearCompliance:
    year: int
    summary: Summary
    editions: list[str]
    published: list[PublishedCount]


def select_compliance_history(
    session: Session,
    *,
    indicator: str,
    threshold: Decimal,
    basis: Basis,
    rule: EditionRule,
) -> list[YearCompliance]:
    """Per year: who meets `threshold`, under the edition rule (one query for all years).

    Call `check_compliance_indicator` and `default_threshold` first.
    """
    figures = select_figures(session, indicator=indicator, rule=rule)
    names = select_ally_names(session)
    published: dict[int, list[PublishedCount]] = defaultdict(list)
    if counts_apply(indicator, threshold):
        for count in select_published_counts(session, rule=rule):
            published[count.year].append(count)
    by_year: dict[int, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_year[figure.year].append(figure)
    history = []
    for year in sorted(by_year):
        _, summary = classify(
            by_year[year],
            names,
            indicator=indicator,
            year=year,
            threshold=threshold,
            basis=basis,
            rule=rule,
        )
        editions = sorted({f.edition for f in by_year[year]})
        history.append(YearCompliance(year, summary, editions, published.get(year, [])))
    return history


def edition_order(session: Session) -> list[tuple[str, Any, str]]:
    """(id, published_on, expenditure_definition) of every edition, oldest first."""
    stmt = select(Edition.id, Edition.published_on, Edition.expenditure_definition).order_by(
        Edition.published_on
    )
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]
