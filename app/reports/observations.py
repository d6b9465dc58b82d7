"""The figures answer of /v1/observations and /v1/allies/{ally}/series: the filters both
share, checked against the catalogue, and one page (or every match) of figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.analysis.editions import EditionRule
from app.queries.lookups import indicator_filter
from app.queries.observations import select_observations


@dataclass(frozen=True)
class FigureFilters:
    """The filters /v1/observations and /v1/allies/{ally}/series share (all but `ally`)."""

    indicator: list[str] | None
    year: int | None
    year_from: int | None
    year_to: int | None
    is_estimate: bool | None
    sort: str
    limit: int
    offset: int


def figures(
    session: Session,
    *,
    rule: EditionRule,
    allies: list[str],
    filters: FigureFilters,
    limit: int | None,
) -> tuple[Sequence[Any], int]:
    """The figures `rule` chose that match `filters` (`limit` None: every one), and how many
    match over all pages; rows carry the attributes of ObservationRead."""
    return select_observations(
        session,
        rule=rule,
        allies=allies,
        indicators=indicator_filter(session, filters.indicator),
        year=filters.year,
        year_from=filters.year_from,
        year_to=filters.year_to,
        is_estimate=filters.is_estimate,
        sort=filters.sort,
        limit=limit,
        offset=filters.offset,
    )
