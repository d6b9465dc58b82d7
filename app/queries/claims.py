"""The rows behind a claim check: the editions, one ally's figure in each, every ally's figures
of one year, and the published counts of allies at 2% (app/reports/claims.py judges them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Aggregate, Edition, Observation


def select_editions(session: Session) -> list[tuple[str, Any, str]]:
    """(id, published_on, expenditure_definition) of every edition, oldest first."""
    stmt = select(Edition.id, Edition.published_on, Edition.expenditure_definition).order_by(
        Edition.published_on
    )
    return [(row.id, row.published_on, row.expenditure_definition) for row in session.execute(stmt)]


def select_ally_values(
    session: Session, *, indicator: str, iso3: str, year: int
) -> Sequence[Sequence[Any]]:
    """(edition, value, source) of one ally's figure in every edition that has it."""
    return session.execute(
        select(Observation.edition_id, Observation.value, Observation.source_id)
        .where(
            Observation.indicator_id == indicator,
            Observation.ally_iso3 == iso3,
            Observation.year == year,
        )
        .order_by(Observation.source_id)
    ).all()


def select_year_figures(session: Session, *, indicator: str, year: int) -> Sequence[Sequence[Any]]:
    """Every ally's figures of one year in every edition, in analysis Figure's field order."""
    return session.execute(
        select(
            Observation.ally_iso3,
            Observation.year,
            Observation.value,
            Observation.edition_id,
            Observation.source_id,
            Observation.is_estimate,
            Observation.unit,
        ).where(Observation.indicator_id == indicator, Observation.year == year)
    ).all()


def select_published_counts(session: Session, *, year: int) -> dict[str, str | None]:
    """{edition: the count of allies at 2% it published for `year`}."""
    published: dict[str, str | None] = {}
    for edition, value in session.execute(
        select(Aggregate.edition_id, Aggregate.value).where(
            Aggregate.aggregate == "ALLIES",
            Aggregate.indicator_id == "count_allies_2pct",
            Aggregate.year == year,
        )
    ):
        published[edition] = value
    return published
