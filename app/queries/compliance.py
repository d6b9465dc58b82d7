"""The rows behind compliance: per-ally figures under an edition rule (with same-edition
spending and GDP for the shortfall), published counts of allies at 2%, an edition's date.

SQL only: rows in the field order of analysis/compliance.py's Figure and PublishedCount;
app/reports/compliance.py makes them into those and lets the analysis decide.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, aliased

from app.analysis.editions import EditionRule
from app.models import Aggregate, Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters

PUBLISHED_COUNT_INDICATORS = ("count_allies_2pct", "fraction_allies_2pct")


def select_figures(
    session: Session,
    *,
    indicator: str,
    rule: EditionRule,
    year: int | None = None,
    with_shortfall: bool = False,
) -> Sequence[Sequence[Any]]:
    """Per-ally figures of `indicator` under `rule` (in Figure's field order); spending and GDP
    of the same edition."""
    stmt = _figures_stmt(rule.mode, one_year=year is not None, with_shortfall=with_shortfall)
    params = {"indicator": indicator, "year": year, **rule_parameters(rule)}
    return session.execute(stmt, params).all()


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
) -> Sequence[Sequence[Any]]:
    """Counts of allies at 2% as NATO or the press published them (aggregates ALLIES), in
    PublishedCount's field order."""
    stmt = _published_counts_stmt(rule.mode, one_year=year is not None)
    params = {"year": year, **rule_parameters(rule)}
    return session.execute(stmt, params).all()


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


def select_published_on(session: Session, edition: str) -> dt.date | None:
    """An edition's publication date (None for an unknown id)."""
    stmt = select(Edition.published_on).where(Edition.id == edition)
    return session.execute(stmt).scalar_one_or_none()
