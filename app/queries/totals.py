"""The rows behind the yearly totals: members, per-ally values, published group figures and
the editions' constant-price base years, under an edition rule (app/reports/totals.py hands
them to analysis/totals.py, which sums them)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.models import Aggregate, Ally, Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters

_MEMBERS = select(Ally.iso3, Ally.region, Ally.accession_year, Ally.in_expenditure_tables).order_by(
    Ally.iso3
)


def select_members(session: Session) -> Sequence[Sequence[Any]]:
    """(iso3, region, accession year, in the expenditure tables) of every ally."""
    return session.connection().execute(_MEMBERS).all()


def select_base_years(session: Session, editions: set[str]) -> list[tuple[str, int | None]]:
    """(edition, constant-price base year), oldest first; none needed for one edition."""
    if len(editions) <= 1:
        return []  # one edition has one base year
    rows = session.execute(
        select(Edition.id, Edition.constant_price_base_year)
        .where(Edition.id.in_(editions))
        .order_by(Edition.published_on)
    ).all()
    return [(row.id, row.constant_price_base_year) for row in rows]


# Statements are built once per (indicator, rule mode) and run with parameters: see
# editions_rule.in_force_template.
@functools.cache
def _per_ally_stmt(indicator: str, mode: str) -> AnySelect:
    o = Observation
    return (
        select(o.ally_iso3, o.year, o.value, o.edition_id, o.source_id)
        .where(
            o.indicator_id == indicator,
            o.year.between(bindparam("year_from"), bindparam("year_to")),
            in_force_template(mode, o),
        )
        .order_by(o.year, o.ally_iso3)
    )


def select_per_ally(
    session: Session, *, indicator: str, rule: EditionRule, year_from: int, year_to: int
) -> Sequence[Sequence[Any]]:
    """(ally, year, value, edition, source) of `indicator` under `rule`, by year and ally."""
    params = {"year_from": year_from, "year_to": year_to, **rule_parameters(rule)}
    stmt = _per_ally_stmt(indicator, rule.mode)
    # Core rows, fetched at once: the ORM's row processing and a fetch per row cost more
    # than the query itself.
    return session.connection().execute(stmt, params).all()


@functools.cache
def _published_stmt(groups: tuple[str, ...], indicators: tuple[str, ...], mode: str) -> AnySelect:
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
            a.aggregate.in_(groups),
            a.indicator_id.in_(indicators),
            a.year.between(bindparam("year_from"), bindparam("year_to")),
            in_force_template(mode, a),
        )
        .order_by(a.year, a.aggregate, a.published_on, a.indicator_id, a.source_id)
    )


def select_published(
    session: Session,
    *,
    groups: tuple[str, ...],
    indicators: tuple[str, ...],
    rule: EditionRule,
    year_from: int,
    year_to: int,
) -> Sequence[Sequence[Any]]:
    """The published figures of `groups` and `indicators` under `rule` (aggregate, indicator,
    year, value, qualifier, unit, edition, source, is_estimate)."""
    stmt = _published_stmt(groups, indicators, rule.mode)
    params = {"year_from": year_from, "year_to": year_to, **rule_parameters(rule)}
    return session.connection().execute(stmt, params).all()
