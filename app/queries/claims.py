"""The rows behind a claim check: the editions, one ally's figure in each, or every ally's
figures of one year with the published counts (analysis/claims.py judges them)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.analysis.claims import (
    ClaimResult,
    EditionInfo,
    check_claim_arguments,
    judge_count,
    judge_value,
)
from app.analysis.compliance import Basis, ComplianceRule, Figure, check_indicator, counts_apply
from app.models import Aggregate, Edition, Observation
from app.queries.lookups import (
    indicator_filter,
    select_accessions,
    select_ally_names,
    single_ally,
)


def _editions(session: Session) -> list[EditionInfo]:
    stmt = select(Edition.id, Edition.published_on, Edition.expenditure_definition).order_by(
        Edition.published_on
    )
    return [(row.id, row.published_on, row.expenditure_definition) for row in session.execute(stmt)]


def check_value_claim(
    session: Session, *, indicator: str, ally: str, year: int, value: Decimal
) -> ClaimResult:
    indicator_filter(session, [indicator])
    iso3 = single_ally(session, ally)
    rows = session.execute(
        select(Observation.edition_id, Observation.value, Observation.source_id)
        .where(
            Observation.indicator_id == indicator,
            Observation.ally_iso3 == iso3,
            Observation.year == year,
        )
        .order_by(Observation.source_id)
    ).all()
    return judge_value(
        rows, _editions(session), ally=iso3, indicator=indicator, year=year, value=value
    )


def check_count_claim(
    session: Session,
    *,
    indicator: str,
    year: int,
    count: int,
    threshold: Decimal,
    basis: Basis,
) -> ClaimResult:
    indicator_filter(session, [indicator])
    check_indicator(indicator)
    rows = session.execute(
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
    figures = [Figure(*row) for row in rows]  # in Figure's field order
    rule = ComplianceRule(indicator, threshold, basis)
    published: dict[str, str | None] = {}
    if counts_apply(rule):
        for edition, value in session.execute(
            select(Aggregate.edition_id, Aggregate.value).where(
                Aggregate.aggregate == "ALLIES",
                Aggregate.indicator_id == "count_allies_2pct",
                Aggregate.year == year,
            )
        ):
            published[edition] = value
    return judge_count(
        figures,
        _editions(session),
        select_ally_names(session),
        published,
        year=year,
        count=count,
        rule=rule,
        joined=select_accessions(session),
    )


def check_claim(
    session: Session,
    *,
    indicator: str,
    year: int,
    ally: str | None,
    value: Decimal | None,
    count: int | None,
    threshold: Decimal,
    basis: Basis,
) -> ClaimResult:
    """A value claim (ally + value) or a count claim (count), never both."""
    check_claim_arguments(ally, value, count)
    if count is not None:
        return check_count_claim(
            session, indicator=indicator, year=year, count=count, threshold=threshold, basis=basis
        )
    assert ally is not None  # check_claim_arguments refused a claim without both
    assert value is not None
    return check_value_claim(session, indicator=indicator, ally=ally, year=year, value=value)
