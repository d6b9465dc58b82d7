"""Yearly NATO totals: published aggregates beside the sums of the per-ally values."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.analysis.totals import Measure
from app.deps import EditionRuleDep, SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_get, collection_response
from app.reports import totals as report
from app.schemas.totals import TotalsRead

router = APIRouter(prefix="/v1", tags=["totals"])


@collection_get(
    router,
    "/totals",
    response_model=TotalsRead,
    summary="NATO totals per year, published and computed",
    responses=problem_responses(400, 406, 422, 503),
)
def list_totals(
    session: SessionDep,
    rule: EditionRuleDep,
    fmt: FormatDep,
    year_from: Annotated[
        int, Query(alias="from", ge=1949, le=2100, description="First year.", examples=[2014])
    ] = 2014,
    year_to: Annotated[
        int, Query(alias="to", ge=1949, le=2100, description="Last year.", examples=[2024])
    ] = 2026,
    measure: Annotated[
        Measure,
        Query(
            description="usd_current (current prices and exchange rates) or usd_constant "
            "(constant prices: refused when editions of different base years would mix)."
        ),
    ] = Measure.usd_current,
) -> Response:
    """Per year: NATO total, Europe and Canada, Europe, the US and its share of the total."""
    totals = report.totals(
        session, year_from=year_from, year_to=year_to, measure=measure, rule=rule
    )
    body = TotalsRead.from_totals(totals, measure=measure, rule=rule)
    return collection_response(body, fmt, filename=f"totals-{measure.value}")
