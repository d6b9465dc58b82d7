"""Who meets the 2% guideline (or any threshold), per ally and per year, edition by edition."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.deps import EditionRuleDep, SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_response
from app.queries import compliance as q
from app.queries.editions_rule import EditionRule
from app.schemas import EditionRuleRead
from app.schemas.analysis import (
    ComplianceHistoryRead,
    ComplianceItem,
    ComplianceRead,
    ComplianceRule,
    ComplianceSummary,
    ComplianceYear,
    PublishedCountRead,
)

router = APIRouter(prefix="/v1", tags=["compliance"])

Indicator = Annotated[
    str,
    Query(
        description="A share or rate: share_gdp (default), equipment_share, personnel_share, "
        "infrastructure_share, other_share, real_change.",
        examples=["share_gdp"],
    ),
]
Threshold = Annotated[
    Decimal | None,
    Query(
        ge=-100,
        le=100,
        description="Threshold in the indicator's unit; default 2.0 for share_gdp, 20 for "
        "equipment_share (required for the others). A value equal to it meets it.",
        examples=["2.0"],
    ),
]
BasisParam = Annotated[
    q.Basis,
    Query(
        description="`full_precision` compares the stored value; `published` rounds it to "
        "2 decimals half up first (1.9959 -> 2.00 meets 2.0).",
    ),
]


def _rule(indicator: str, threshold: Decimal, basis: q.Basis) -> ComplianceRule:
    return ComplianceRule(
        indicator=indicator,
        threshold=float(threshold),
        basis=basis.value,
        comparison="value >= threshold",
        description=q.rule_text(indicator, threshold, basis),
    )


def _published(
    counts: list[q.PublishedCount], meeting: int, editions: list[str]
) -> list[PublishedCountRead]:
    return [
        PublishedCountRead(
            aggregate=c.aggregate,
            indicator=c.indicator,
            year=c.year,
            value=float(c.value) if c.value is not None else None,
            value_text=c.value,
            qualifier=c.qualifier,
            unit=c.unit,
            edition=c.edition,
            source=c.source,
            is_estimate=c.is_estimate,
            computed_meeting=meeting,
            mismatch=q.count_mismatch(c, meeting, editions),
        )
        for c in counts
    ]


def _item(status: q.Status) -> ComplianceItem:
    figure = status.figure
    return ComplianceItem(
        ally=status.ally,
        name=status.name,
        year=status.year,
        value=float(figure.value) if figure else None,
        value_text=figure.value if figure else None,
        compared_value_text=q.decimal_text(status.compared)
        if status.compared is not None
        else None,
        edition=figure.edition if figure else None,
        source=figure.source if figure else None,
        is_estimate=figure.is_estimate if figure else None,
        unit=figure.unit if figure else None,
        meets=status.meets,
        status="no_data" if status.meets is None else ("meeting" if status.meets else "below"),
        gap_pp=float(status.gap) if status.gap is not None else None,
        gap_pp_text=q.decimal_text(status.gap) if status.gap is not None else None,
        shortfall_usd_million=float(status.shortfall) if status.shortfall is not None else None,
        reason=status.reason,
    )


def _edition_rule(rule: EditionRule) -> EditionRuleRead:
    return EditionRuleRead.model_validate(rule.as_dict())


@router.get(
    "/compliance",
    response_model=ComplianceRead,
    summary="Which allies meet a threshold in one year",
    responses=problem_responses(400, 406, 422, 503),
)
def list_compliance(
    session: SessionDep,
    rule: EditionRuleDep,
    fmt: FormatDep,
    year: Annotated[int, Query(ge=1949, le=2100, description="Year.", examples=[2024])],
    indicator: Indicator = "share_gdp",
    threshold: Threshold = None,
    basis: BasisParam = q.Basis.full_precision,
) -> Response:
    """Every ally's figure against the threshold, with counts, gaps and the rule applied."""
    result = q.select_compliance(
        session, year=year, indicator=indicator, threshold=threshold, basis=basis, rule=rule
    )
    limit = result.threshold
    summary = ComplianceSummary.model_validate(result.summary.as_dict())
    body = ComplianceRead(
        edition_rule=_edition_rule(rule),
        rule=_rule(indicator, limit, basis),
        year=year,
        editions=result.editions,
        summary=summary,
        published_counts=_published(result.published, summary.meeting, result.editions),
        items=[_item(s) for s in result.statuses],
        total=len(result.statuses),
    )
    return collection_response(body, fmt, filename=f"compliance-{indicator}-{year}")


@router.get(
    "/compliance/history",
    response_model=ComplianceHistoryRead,
    summary="How many allies meet a threshold, year by year",
    responses=problem_responses(400, 406, 422, 503),
)
def list_compliance_history(
    session: SessionDep,
    rule: EditionRuleDep,
    fmt: FormatDep,
    indicator: Indicator = "share_gdp",
    threshold: Threshold = None,
    basis: BasisParam = q.Basis.full_precision,
) -> Response:
    """Per year: the allies meeting the threshold, those below and those without a figure."""
    q.check_compliance_indicator(session, indicator)
    limit = q.default_threshold(indicator, threshold)
    history = q.select_compliance_history(
        session, indicator=indicator, threshold=limit, basis=basis, rule=rule
    )
    items = []
    for entry in history:
        counts = entry.summary.as_dict()
        items.append(
            ComplianceYear(
                year=entry.year,
                editions=entry.editions,
                published_counts=_published(
                    entry.published, len(entry.summary.meeting), entry.editions
                ),
                **counts,
            )
        )
    body = ComplianceHistoryRead(
        edition_rule=_edition_rule(rule),
        rule=_rule(indicator, limit, basis),
        items=items,
        total=len(items),
    )
    return collection_response(body, fmt, filename=f"compliance-history-{indicator}")
