"""Who meets a threshold, one year or every year: the figures, names, published counts and
membership from queries/, the decision from analysis/compliance.py."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy.orm import Session

from app.analysis.compliance import (
    Basis,
    ComplianceHistory,
    ComplianceResult,
    ComplianceRule,
    Figure,
    Membership,
    PublishedCount,
    assess_history,
    assess_year,
    compliance_rule,
    counts_apply,
)
from app.analysis.editions import EditionRule
from app.queries import compliance as q
from app.queries.editions_rule import select_definitions
from app.queries.lookups import indicator_filter, select_accessions, select_ally_names


def select_rule(
    session: Session, *, indicator: str, threshold: Decimal | None, basis: Basis
) -> ComplianceRule:
    """The comparison asked for: a known indicator that is a share or rate, and a threshold."""
    indicator_filter(session, [indicator])
    return compliance_rule(indicator, threshold, basis)


def figures(
    session: Session,
    *,
    indicator: str,
    rule: EditionRule,
    year: int | None = None,
    with_shortfall: bool = False,
) -> list[Figure]:
    """Per-ally figures of `indicator` under `rule`; spending and GDP of the same edition."""
    rows = q.select_figures(
        session, indicator=indicator, rule=rule, year=year, with_shortfall=with_shortfall
    )
    return [Figure(*row) for row in rows]  # rows are in Figure's field order


def published_counts(
    session: Session, *, rule: EditionRule, year: int | None = None
) -> list[PublishedCount]:
    """Counts of allies at 2% as NATO or the press published them."""
    return [
        PublishedCount(*row) for row in q.select_published_counts(session, rule=rule, year=year)
    ]


def membership(session: Session, rule: EditionRule) -> Membership:
    """Accession dates, and the pinned edition's publication date (an ally that joined after
    it cannot be in it)."""
    published_on = q.select_published_on(session, rule.edition) if rule.edition else None
    return Membership(select_accessions(session), published_on)


def compliance(
    session: Session,
    *,
    year: int,
    indicator: str,
    threshold: Decimal | None,
    basis: Basis,
    rule: EditionRule,
) -> ComplianceResult:
    """Every ally's status against `threshold` for one year under the edition rule."""
    limit = select_rule(session, indicator=indicator, threshold=threshold, basis=basis)
    found = figures(
        session, indicator=indicator, rule=rule, year=year, with_shortfall=indicator == "share_gdp"
    )
    names = select_ally_names(session)
    published = published_counts(session, rule=rule, year=year) if counts_apply(limit) else []
    members = membership(session, rule)
    result = assess_year(
        found, names, published, year=year, rule=limit, edition_rule=rule, membership=members
    )
    # Each item names what its figure measures (the edition's expenditure definition).
    return dataclasses.replace(result, definitions=select_definitions(session))


def compliance_history(
    session: Session,
    *,
    indicator: str,
    threshold: Decimal | None,
    basis: Basis,
    rule: EditionRule,
) -> ComplianceHistory:
    """Per year: who meets `threshold`, under the edition rule (one query for all years)."""
    limit = select_rule(session, indicator=indicator, threshold=threshold, basis=basis)
    found = figures(session, indicator=indicator, rule=rule)
    names = select_ally_names(session)
    published = published_counts(session, rule=rule) if counts_apply(limit) else []
    members = membership(session, rule)
    return assess_history(
        found, names, published, rule=limit, edition_rule=rule, membership=members
    )
