"""The rows behind the yearly totals: members, per-ally values, published group figures and
the editions' constant-price base years, under an edition rule (analysis/totals.py sums them)."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.analysis.totals import (
    GROUPS,
    HEADLINE_INDICATORS,
    SHARE_INDICATOR,
    AllyValue,
    GroupTotal,
    Measure,
    Member,
    Published,
    check_years,
    editions_summed,
    published_figures,
    refuse_mixed_base_years,
    sum_groups,
)
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters

_MEMBERS = select(Ally.iso3, Ally.region, Ally.accession_year, Ally.in_expenditure_tables).order_by(
    Ally.iso3
)


def _base_years(session: Session, editions: set[str]) -> list[tuple[str, int | None]]:
    """(edition, constant-price base year), oldest first; none needed for one edition."""
    if len(editions) <= 1:
        return []  # one edition has one base year
    rows = session.execute(
        select(Edition.id, Edition.constant_price_base_year)
        .where(Edition.id.in_(editions))
        .order_by(Edition.published_on)
    ).all()
    return [(row.id, row.constant_price_base_year) for row in rows]


def select_totals(
    session: Session,
    *,
    year_from: int,
    year_to: int,
    measure: Measure,
    rule: EditionRule,
) -> list[GroupTotal]:
    """Per year and group: the sum of per-ally values and the published figures."""
    check_years(year_from, year_to)
    members = [Member(*m) for m in session.connection().execute(_MEMBERS).all()]
    rows = _per_ally(session, measure=measure, rule=rule, year_from=year_from, year_to=year_to)
    published = _published(
        session, measure=measure, rule=rule, year_from=year_from, year_to=year_to
    )
    if measure is Measure.usd_constant:
        editions = editions_summed(rows, published, measure)
        refuse_mixed_base_years(_base_years(session, editions), rule)
    return sum_groups(members, rows, published, measure)


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
) -> list[AllyValue]:
    params = {"year_from": year_from, "year_to": year_to, **rule_parameters(rule)}
    stmt = _per_ally_stmt(measure, rule.mode)
    # Core rows, fetched at once: the ORM's row processing and a fetch per row cost more
    # than the query itself.
    return [AllyValue(*row) for row in session.connection().execute(stmt, params).all()]


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
    params = {"year_from": year_from, "year_to": year_to, **rule_parameters(rule)}
    return published_figures(session.connection().execute(stmt, params).all(), measure)
