"""The rows behind pathways: each ally's newest share_gdp figure under an edition rule, with the
same edition's figure pace_years earlier, its spending and GDP, and one edition's series.

The edition rule picks the newest figure (queries/editions_rule.py); everything joined to it is
of that figure's own edition, never another (analysis/pathways.py decides).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from app.analysis.editions import EditionRule
from app.models import Edition, Observation
from app.queries.editions_rule import AnySelect, in_force_template, rule_parameters

SHARE = "share_gdp"


def select_share_figures(
    session: Session, *, rule: EditionRule, pace_years: int, allies: list[str] | None = None
) -> list[Row[Any]]:
    """Per ally (all, or `allies`): the newest share_gdp figure under `rule`, with the same
    edition's share pace_years earlier, spending and GDP (rows in ShareFigure's field order;
    ordered by ally, then source)."""
    stmt = _newest_stmt(rule.mode, filtered=bool(allies))
    params: dict[str, Any] = {"pace_years": pace_years, **rule_parameters(rule)}
    if allies:
        params["allies"] = allies
    return list(session.execute(stmt, params))


@functools.cache
def _newest_stmt(mode: str, *, filtered: bool) -> AnySelect:
    o = Observation
    newest = select(o.ally_iso3, func.max(o.year).label("year")).where(
        o.indicator_id == SHARE, in_force_template(mode, o)
    )
    if filtered:
        newest = newest.where(o.ally_iso3.in_(bindparam("allies", expanding=True)))
    latest = newest.group_by(o.ally_iso3).subquery("latest")
    earlier = aliased(Observation, name="earlier")
    spend = aliased(Observation, name="spend")
    gdp = aliased(Observation, name="gdp")

    def same_edition(other: Any, indicator: str, year: Any) -> Any:
        return and_(
            other.indicator_id == indicator,
            other.ally_iso3 == o.ally_iso3,
            other.edition_id == o.edition_id,
            other.year == year,
        )

    columns: list[Any] = [  # in analysis.pathways.ShareFigure's field order
        o.ally_iso3,
        o.year,
        o.value,
        o.edition_id,
        o.source_id,
        o.is_estimate,
        o.unit,
        Edition.expenditure_definition,
        Edition.constant_price_base_year,
        earlier.value.label("earlier_value"),
        spend.value.label("expenditure"),
        gdp.value.label("gdp"),
    ]
    return (
        select(*columns)
        .join(latest, and_(latest.c.ally_iso3 == o.ally_iso3, latest.c.year == o.year))
        .join(Edition, Edition.id == o.edition_id)
        .outerjoin(earlier, same_edition(earlier, SHARE, o.year - bindparam("pace_years")))
        .outerjoin(spend, same_edition(spend, "usd_current", o.year))
        .outerjoin(gdp, same_edition(gdp, "gdp_usd_current", o.year))
        .where(o.indicator_id == SHARE, in_force_template(mode, o))
        .order_by(o.ally_iso3, o.source_id, earlier.source_id)
    )


_SERIES = (
    select(Observation.year, Observation.value)
    .where(
        Observation.indicator_id == SHARE,
        Observation.ally_iso3 == bindparam("ally"),
        Observation.edition_id == bindparam("edition"),
    )
    .order_by(Observation.year, Observation.source_id)
)


def select_share_series(session: Session, *, ally: str, edition: str) -> list[Row[Any]]:
    """One ally's share_gdp figures (year, value) in one edition, oldest year first."""
    return list(session.execute(_SERIES, {"ally": ally, "edition": edition}))
