"""Check a sentence's figure or count against every edition in one call."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator
from starlette.responses import Response

from app.analysis.compliance import Basis
from app.analysis.decimals import bounded_decimal
from app.deps import SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_get, collection_response
from app.reports import claims as report
from app.schemas.claims import ClaimRead

router = APIRouter(prefix="/v1", tags=["claims"])


@collection_get(
    router,
    "/claims/check",
    response_model=ClaimRead,
    summary="Check a claimed figure or count against every edition",
    responses=problem_responses(400, 406, 422, 503),
)
def check_claim(
    session: SessionDep,
    fmt: FormatDep,
    year: Annotated[int, Query(ge=1949, le=2100, description="Year.", examples=[2024])],
    indicator: Annotated[
        str, Query(max_length=60, description="Indicator id.", examples=["share_gdp"])
    ] = "share_gdp",
    ally: Annotated[
        str | None, Query(max_length=3, description="Ally ISO3 or ISO2.", examples=["USA"])
    ] = None,
    value: Annotated[
        Decimal | None,
        Query(
            ge=-1_000_000_000,
            le=1_000_000_000_000,
            allow_inf_nan=False,
            description="The claimed value, as written (its decimals set the precision; at "
            "most 12 decimals).",
            examples=["3.19"],
        ),
        AfterValidator(bounded_decimal),
    ] = None,
    count: Annotated[
        int | None,
        Query(ge=0, le=32, description="Claimed number of allies at or above `threshold`."),
    ] = None,
    threshold: Annotated[
        Decimal,
        Query(ge=-100, le=100, description="Threshold of a count claim.", examples=["2.0"]),
        AfterValidator(bounded_decimal),
    ] = Decimal("2"),
    basis: Annotated[Basis, Query(description="Comparison basis of a count claim.")] = (
        Basis.full_precision
    ),
) -> Response:
    """Whether each edition's data supports the claim: match, mismatch or not covered."""
    result = report.check_claim(
        session,
        indicator=indicator,
        year=year,
        ally=ally,
        value=value,
        count=count,
        threshold=threshold,
        basis=basis,
    )
    body = ClaimRead.from_result(result)
    return collection_response(body, fmt, filename="claim-check")
