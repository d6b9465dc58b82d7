"""Who meets the 2% guideline (or any threshold), per ally and per year, edition by edition."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator
from starlette.responses import Response

from app.analysis.compliance import Basis
from app.analysis.decimals import bounded_decimal
from app.deps import EditionRuleDep, SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_get, collection_response
from app.reports import compliance as report
from app.schemas.compliance import ComplianceHistoryRead, ComplianceRead

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
    AfterValidator(bounded_decimal),
]
BasisParam = Annotated[
    Basis,
    Query(
        description="`full_precision` compares the stored value; `published` rounds it to "
        "2 decimals half up first (1.9959 -> 2.00 meets 2.0).",
    ),
]


@collection_get(
    router,
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
    basis: BasisParam = Basis.full_precision,
) -> Response:
    """Every ally's figure against the threshold, with counts, gaps and the rule applied."""
    result = report.compliance(
        session, year=year, indicator=indicator, threshold=threshold, basis=basis, rule=rule
    )
    body = ComplianceRead.from_result(result)
    return collection_response(body, fmt, filename=f"compliance-{indicator}-{year}")


@collection_get(
    router,
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
    basis: BasisParam = Basis.full_precision,
) -> Response:
    """Per year: the allies meeting the threshold, those below and those without a figure."""
    history = report.compliance_history(
        session, indicator=indicator, threshold=threshold, basis=basis, rule=rule
    )
    body = ComplianceHistoryRead.from_history(history)
    return collection_response(body, fmt, filename=f"compliance-history-{indicator}")
