"""Check a claim ("the US spent 3.19% of GDP in 2024", "23 allies met 2% in 2024") against
every edition: match, mismatch with that edition's figure, or not covered.

A value claim matches an edition when the edition's figure, rounded half up to the number of
decimals the claim gives, equals the claim (3.2 is supported by 3.205383573; 3.19 is not by
3.3790207262385565). A count claim matches when the edition's figures give exactly that many
allies at or above the threshold; when allies lack a figure and the claim lies within what
they could add, the edition cannot decide it (not_covered).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import BadRequest
from app.models import Aggregate, Edition, Observation
from app.queries.compliance import (
    ICELAND,
    Basis,
    Figure,
    check_compliance_indicator,
    classify,
    decimal_text,
    select_ally_names,
)
from app.queries.editions_rule import EditionRule
from app.queries.lookups import indicator_filter, single_ally


@dataclass(frozen=True)
class Verdict:
    edition: str
    published_on: dt.date
    definition: str
    verdict: str
    value: str | None = None
    compared: str | None = None
    source: str | None = None
    covered: int | None = None
    published_count: str | None = None


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    rule: str
    verdicts: list[Verdict]


def _editions(session: Session) -> list[tuple[str, dt.date, str]]:
    stmt = select(Edition.id, Edition.published_on, Edition.expenditure_definition).order_by(
        Edition.published_on
    )
    return [(row.id, row.published_on, row.expenditure_definition) for row in session.execute(stmt)]


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def check_value_claim(
    session: Session, *, indicator: str, ally: str, year: int, value: Decimal
) -> ClaimResult:
    indicator_filter(session, [indicator])
    iso3 = single_ally(session, ally)
    places = _places(value)
    quantum = Decimal(1).scaleb(-places)
    rows = session.execute(
        select(Observation.edition_id, Observation.value, Observation.source_id)
        .where(
            Observation.indicator_id == indicator,
            Observation.ally_iso3 == iso3,
            Observation.year == year,
        )
        .order_by(Observation.source_id)
    ).all()
    by_edition = defaultdict(list)
    for row in rows:
        by_edition[row.edition_id].append(row)
    verdicts: list[Verdict] = []
    for edition, published_on, definition in _editions(session):
        if not by_edition.get(edition):
            verdicts.append(Verdict(edition, published_on, definition, "not_covered"))
            continue
        for row in by_edition[edition]:
            compared = Decimal(row.value).quantize(quantum, rounding=ROUND_HALF_UP)
            verdicts.append(
                Verdict(
                    edition,
                    published_on,
                    definition,
                    "match" if compared == value else "mismatch",
                    value=row.value,
                    compared=decimal_text(compared),
                    source=row.source_id,
                )
            )
    return ClaimResult(
        claim=f"{iso3} {indicator} {year} = {decimal_text(value)}",
        rule=f"the figure rounded half up to the claim's {places} decimal(s) equals the claim",
        verdicts=verdicts,
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
    check_compliance_indicator(session, indicator)
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
    by_edition: dict[str, list[Figure]] = defaultdict(list)
    for row in rows:
        by_edition[row.edition_id].append(
            Figure(
                row.ally_iso3,
                row.year,
                row.value,
                row.edition_id,
                row.source_id,
                row.is_estimate,
                row.unit,
            )
        )
    published: dict[str, str | None] = {}
    if indicator == "share_gdp" and threshold == 2:
        for edition, value in session.execute(
            select(Aggregate.edition_id, Aggregate.value).where(
                Aggregate.aggregate == "ALLIES",
                Aggregate.indicator_id == "count_allies_2pct",
                Aggregate.year == year,
            )
        ):
            published[edition] = value
    names = select_ally_names(session)
    verdicts: list[Verdict] = []
    for edition, published_on, definition in _editions(session):
        figures = by_edition.get(edition, [])
        if not figures:
            verdicts.append(
                Verdict(
                    edition,
                    published_on,
                    definition,
                    "not_covered",
                    covered=0,
                    published_count=published.get(edition),
                )
            )
            continue
        _, summary = classify(
            figures,
            names,
            indicator=indicator,
            year=year,
            threshold=threshold,
            basis=basis,
            rule=EditionRule(edition=edition),
        )
        meeting = len(summary.meeting)
        undecided = len([a for a in summary.no_data if a != ICELAND]) + len(summary.conflicting)
        if meeting == count and undecided == 0:
            verdict = "match"
        elif meeting <= count <= meeting + undecided:
            verdict = "not_covered"
        else:
            verdict = "mismatch"
        verdicts.append(
            Verdict(
                edition,
                published_on,
                definition,
                verdict,
                value=str(meeting),
                source=", ".join(sorted({f.source for f in figures})),
                covered=len(summary.meeting) + len(summary.below),
                published_count=published.get(edition),
            )
        )
    return ClaimResult(
        claim=f"{count} allies with {indicator} >= {decimal_text(threshold)} in {year}",
        rule=f"the edition's figures give exactly {count} allies at or above "
        f"{decimal_text(threshold)} ({basis.value} basis); not_covered when allies without a "
        "figure could change the count",
        verdicts=verdicts,
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
    if count is not None and (ally is not None or value is not None):
        raise BadRequest("Check either a value (`ally` and `value`) or a `count`, not both.")
    if count is not None:
        return check_count_claim(
            session, indicator=indicator, year=year, count=count, threshold=threshold, basis=basis
        )
    if ally is None or value is None:
        raise BadRequest(
            "A claim needs `ally` and `value` (e.g. ally=USA&value=3.19), or `count` "
            "(e.g. count=23 allies at the threshold)."
        )
    return check_value_claim(session, indicator=indicator, ally=ally, year=year, value=value)
