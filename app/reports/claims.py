"""A claim checked against every edition: the rows from queries/claims.py, the verdicts from
analysis/claims.py."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from app.analysis.claims import ClaimResult, check_claim_arguments, judge_count, judge_value
from app.analysis.compliance import Basis, ComplianceRule, Figure, check_indicator, counts_apply
from app.queries import claims as q
from app.queries.lookups import (
    indicator_filter,
    select_accessions,
    select_ally_names,
    single_ally,
)


def check_value_claim(
    session: Session, *, indicator: str, ally: str, year: int, value: Decimal
) -> ClaimResult:
    indicator_filter(session, [indicator])
    iso3 = single_ally(session, ally)
    rows = q.select_ally_values(session, indicator=indicator, iso3=iso3, year=year)
    return judge_value(
        rows, q.select_editions(session), ally=iso3, indicator=indicator, year=year, value=value
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
    rows = q.select_year_figures(session, indicator=indicator, year=year)
    figures = [Figure(*row) for row in rows]  # in Figure's field order
    rule = ComplianceRule(indicator, threshold, basis)
    published = q.select_published_counts(session, year=year) if counts_apply(rule) else {}
    return judge_count(
        figures,
        q.select_editions(session),
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
