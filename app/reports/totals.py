"""Yearly NATO totals: members, per-ally values and published group figures from
queries/totals.py, summed and compared by analysis/totals.py."""

from __future__ import annotations

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
    check_years,
    editions_summed,
    published_figures,
    refuse_mixed_base_years,
    sum_groups,
)
from app.queries import totals as q


def totals(
    session: Session,
    *,
    year_from: int,
    year_to: int,
    measure: Measure,
    rule: EditionRule,
) -> list[GroupTotal]:
    """Per year and group: the sum of per-ally values and the published figures."""
    check_years(year_from, year_to)
    members = [Member(*m) for m in q.select_members(session)]
    years = {"year_from": year_from, "year_to": year_to}
    rows = [
        AllyValue(*row)
        for row in q.select_per_ally(session, indicator=measure.value, rule=rule, **years)
    ]
    published = published_figures(
        q.select_published(
            session,
            groups=GROUPS,
            indicators=(measure.value, *HEADLINE_INDICATORS, SHARE_INDICATOR),
            rule=rule,
            **years,
        ),
        measure,
    )
    if measure is Measure.usd_constant:
        editions = editions_summed(rows, published, measure)
        refuse_mixed_base_years(q.select_base_years(session, editions), rule)
    return sum_groups(members, rows, published, measure)
