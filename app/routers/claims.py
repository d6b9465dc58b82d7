"""Check a sentence's figure or count against every edition in one call."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.deps import SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_response
from app.queries import claims as q
from app.queries.compliance import Basis
from app.schemas.analysis import ClaimRead, ClaimVerdict

router = APIRouter(prefix="/v1", tags=["claims"])


@router.get(
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
            description="The claimed value, as written (its decimals set the precision).",
            examples=["3.19"],
        ),
    ] = None,
    count: Annotated[
        int | None,
        Query(ge=0, le=32, description="Claimed number of allies at or above `threshold`."),
    ] = None,
    threshold: Annotated[
        Decimal,
        Query(ge=-100, le=100, description="Threshold of a count claim.", examples=["2.0"]),
    ] = Decimal("2"),
    basis: Annotated[Basis, Query(description="Comparison basis of a count claim.")] = (
        Basis.full_precision
    ),
) -> Response:
    """Whether each edition's data supports the claim: match, mismatch or not covered."""
    result = q.check_claim(
        session,
        indicator=indicator,
        year=year,
        ally=ally,
        value=value,
        count=count,
        threshold=threshold,
        basis=basis,
    )
    items = [
        ClaimVerdict(
            edition=v.edition,
            published_on=v.published_on,
            expenditure_definition=v.definition,
            verdict=v.verdict,
            value=float(v.value) if v.value is not None else None,
            value_text=v.value,
            compared_text=v.compared,
            source=v.source,
            covered_allies=v.covered,
            published_count=v.published_count,
        )
        for v in result.verdicts
    ]

    def editions(verdict: str) -> list[str]:
        return sorted({i.edition for i in items if i.verdict == verdict})

    body = ClaimRead(
        claim=result.claim,
        rule=result.rule,
        supported_by=editions("match"),
        contradicted_by=editions("mismatch"),
        not_covered_by=editions("not_covered"),
        items=items,
        total=len(items),
    )
    return collection_response(body, fmt, filename="claim-check")
