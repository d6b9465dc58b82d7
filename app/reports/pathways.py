"""Each ally's path to a share-of-GDP target: the figures from queries/pathways.py, the rules
of analysis/pathways.py. Plain signatures, no HTTP: the REST routes and the MCP tools call them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.analysis.pathways import (
    DEFAULT_BY,
    DEFAULT_PACE_YEARS,
    DEFAULT_TARGET,
    AllyPathway,
    PathwaysResult,
    ShareFigure,
    assess,
    check_rule,
    year_by_year,
)
from app.queries import pathways as q
from app.queries.lookups import ally_filter, get_ally_iso3, select_ally_names


def _figures(
    session: Session, *, rule: EditionRule, pace_years: int, allies: list[str] | None
) -> list[ShareFigure]:
    figures: dict[str, ShareFigure] = {}
    for row in q.select_share_figures(session, rule=rule, pace_years=pace_years, allies=allies):
        # One edition could hold the figure from two sources: the first by source id is kept
        # (no share_gdp figure has two today; a choice, never a merge).
        values: tuple[Any, ...] = tuple(row)  # in ShareFigure's field order
        figures.setdefault(values[0], ShareFigure(*values))
    return list(figures.values())


def pathways(
    session: Session,
    *,
    target: Decimal = DEFAULT_TARGET,
    by: int = DEFAULT_BY,
    pace_years: int = DEFAULT_PACE_YEARS,
    allies: Sequence[str] | None = None,
    rule: EditionRule | None = None,
) -> PathwaysResult:
    """Every ally's (or `allies`', ISO2 or ISO3) path to `target`% of GDP by `by`."""
    edition_rule = rule or EditionRule()
    limits = check_rule(target, by, pace_years)
    codes = ally_filter(session, list(allies) if allies else None)
    names = select_ally_names(session)
    if codes:
        names = {code: names[code] for code in sorted(codes)}
    figures = _figures(session, rule=edition_rule, pace_years=pace_years, allies=codes or None)
    return assess(figures, names, rule=limits, edition_rule=edition_rule)


def ally_pathway(
    session: Session,
    *,
    ally: str,
    target: Decimal = DEFAULT_TARGET,
    by: int = DEFAULT_BY,
    pace_years: int = DEFAULT_PACE_YEARS,
    rule: EditionRule | None = None,
) -> AllyPathway:
    """One ally (ISO2 or ISO3; 404 when unknown): its pathway, series and paths."""
    iso3 = get_ally_iso3(session, ally)
    result = pathways(
        session, target=target, by=by, pace_years=pace_years, allies=[iso3], rule=rule
    )
    (pathway,) = result.items
    series: dict[int, str] = {}
    if pathway.figure is not None:
        for row in q.select_share_series(session, ally=iso3, edition=pathway.figure.edition):
            series.setdefault(row.year, row.value)  # the first source of a year, as for the figure
    return AllyPathway(
        result.rule, result.edition_rule, pathway, year_by_year(pathway, list(series.items()), by)
    )
