"""/v1/indicators: what each figure measures, its unit and its coverage by edition."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from app.deps import SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, JsonOnlyDep, collection_get, collection_response, csv_responses
from app.queries import catalog as q
from app.schemas import ListOf
from app.schemas.catalog import IndicatorRead

router = APIRouter(prefix="/v1", tags=["indicators"])

INDICATORS_CSV = (
    "id,name,unit,description,notes,editions,observations\r\n"
    'share_gdp,Defence expenditure as share of GDP,% of GDP,"Defence spending divided by '
    'gross domestic product, in per cent.",...,2024-03 2024-06 2025-04 2025-08 2026-07,1164\r\n'
)


@collection_get(
    router,
    "/indicators",
    response_model=ListOf[IndicatorRead],
    summary="The indicators",
    responses={**csv_responses(INDICATORS_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_indicators(session: SessionDep, fmt: FormatDep) -> Response:
    """Every indicator with its canonical unit, the editions that publish it per ally and its
    number of figures."""
    items = [IndicatorRead.model_validate(row) for row in q.select_indicators(session)]
    page = ListOf[IndicatorRead](items=items, total=len(items))
    return collection_response(page, fmt, filename="indicators")


@router.get(
    "/indicators/{indicator_id}",
    response_model=IndicatorRead,
    summary="One indicator",
    responses=problem_responses(400, 404, 406, 422, 503),
)
def get_indicator(
    session: SessionDep,
    indicator_id: Annotated[
        str, Path(max_length=100, description="Indicator id.", examples=["share_gdp"])
    ],
    _fmt: JsonOnlyDep,
) -> IndicatorRead:
    """One indicator by id; an unknown id is a 404 that suggests close matches."""
    return IndicatorRead.model_validate(q.select_indicator(session, indicator_id=indicator_id))
