"""The rows behind compliance: per-ally figures under an edition rule (with same-edition
spending and GDP for the shortfall), ally names and published counts of allies at 2%.

SQL selects and resolves the figures (edition rule as an indexed filter); the decision is
analysis/compliance.py's.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.analysis.compliance import (
    Basis,
    ComplianceHistory,
    ComplianceResult,
    ComplianceRule,
    Figure,
    Membership,
    PublishedCount,
    assess_history,
    assess_year,
    compliance_rule,
    counts_apply,
)
from app.analysis.editions import EditionRule
from app.models import Aggregate, Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters
from app.queries.lookups import indicator_filter, select_accessions, select_ally_names

PUBLISHED_COUNT_INDICATORS = ("count_allies_2pct", "fraction_allies_2pct")


def select_rule(
    session: Session, *, indicator: str, threshold: Decimal | None, basis: Basis
) -> ComplianceRule:
    """The comparison asked for: a known indicator that is a share or rate, and a threshold."""
    indicator_filter(session, [indicator])
    return compliance_rule(indicator, threshold, basis)


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
    params = {"indicator": indicator, "year": year, **rule_parameters(rule)}
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


def select_published_counts(
    session: Session, *, rule: EditionRule, year: int | None = None
) -> list[PublishedCount]:
    """Counts of allies at 2% as NATO or the press published them (aggregates ALLIES)."""
    stmt = _published_counts_stmt(rule.mode, one_year=year is not None)
    params = {"year": year, **rule_parameters(rule)}
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
    limit = select_rule(session, indicator=indicator, threshold=threshold, basis=basis)
    figures = select_figures(
        session,
        indicator=indicator,
        rule=rule,
        year=year,
        with_shortfall=indicator == "share_gdp",
    )
    names = select_ally_names(session)
    published = (
        select_published_counts(session, rule=rule, year=year) if counts_apply(limit) else []
    )
    membership = select_membership(session, rule)
    return assess_year(
        figures, names, published, year=year, rule=limit, edition_rule=rule, membership=membership
    )


def select_compliance_history(
    session: Session,
    *,
    indicator: str,
    threshold: Decimal | None,
    basis: Basis,
    rule: EditionRule,
) -> ComplianceHistory:
    """Per year: who meets `threshold`, under the edition rule (one query for all years)."""
    limit = select_rule(session, indicator=indicator, threshold=threshold, basis=basis)
    figures = select_figures(session, indicator=indicator, rule=rule)
    names = select_ally_names(session)
    published = select_published_counts(session, rule=rule) if counts_apply(limit) else []
    membership = select_membership(session, rule)
    return assess_history(
        figures, names, published, rule=limit, edition_rule=rule, membership=membership
    )


def select_membership(session: Session, rule: EditionRule) -> Membership:
    """Accession dates, and the pinned edition's publication date (an ally that joined after
    it cannot be in it)."""
    published_on = (
        session.execute(
            select(Edition.published_on).where(Edition.id == rule.edition)
        ).scalar_one_or_none()
        if rule.edition
        else None
    )
    return Membership(select_accessions(session), published_on)
