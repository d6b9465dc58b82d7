"""/v1/editions: the report editions, their dates, price base and definition of spending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from app.deps import SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, JsonOnlyDep, collection_get, collection_response, csv_responses
from app.queries import catalog as q
from app.schemas import ListOf
from app.schemas.catalog import EditionRead

router = APIRouter(prefix="/v1", tags=["editions"])

EDITIONS_CSV = (
    "id,title,publisher,published_on,data_cutoff_on,kind,constant_price_base_year,"
    "estimate_years,official_tables_available,expenditure_definition,notes,observations\r\n"
    "2024-06,Defence Expenditure of NATO Countries (2014-2024),NATO,2024-06-17,2024-06-12,"
    "expenditure_report,2015,2023 2024,true,nato_defence_expenditure,...,5179\r\n"
)


@collection_get(
    router,
    "/editions",
    response_model=ListOf[EditionRead],
    summary="The report editions",
    responses={**csv_responses(EDITIONS_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_editions(session: SessionDep, fmt: FormatDep) -> Response:
    """Every edition, oldest first: publication and cut-off dates, price base year, estimate
    years, definition of expenditure and whether its per-ally tables are NATO's own file."""
    items = [EditionRead.model_validate(row) for row in q.select_editions(session)]
    page = ListOf[EditionRead](items=items, total=len(items))
    return collection_response(page, fmt, filename="editions")


@router.get(
    "/editions/{edition_id}",
    response_model=EditionRead,
    summary="One edition",
    responses=problem_responses(400, 404, 406, 422, 503),
)
def get_edition(
    session: SessionDep,
    edition_id: Annotated[
        str, Path(max_length=100, description="Edition id (YYYY-MM).", examples=["2024-06"])
    ],
    _fmt: JsonOnlyDep,
) -> EditionRead:
    """One edition by id; an unknown id is a 404 that suggests close matches."""
    return EditionRead.model_validate(q.select_edition(session, edition_id=edition_id))
