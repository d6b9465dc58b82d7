"""/v1/allies: the 32 allies, one ally, and one ally's figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from app.deps import EditionRuleDep, SessionDep, run_reads
from app.errors import problem_responses
from app.figures import OBSERVATIONS_CSV, FigureFiltersDep, figures_response
from app.formats import (
    Format,
    FormatDep,
    JsonOnlyDep,
    collection_get,
    collection_response,
    csv_example,
    csv_responses,
)
from app.queries import allies as q
from app.queries.lookups import get_ally_iso3
from app.schemas import ListOf
from app.schemas.allies import AllyRead
from app.schemas.observations import ObservationPage

router = APIRouter(prefix="/v1", tags=["allies"])

ALLIES_CSV = csv_example(AllyRead)

AllyCode = Annotated[
    str,
    Path(
        max_length=100,
        description="ISO 3166 alpha-3 or alpha-2 code, any case (POL, pl).",
        examples=["POL"],
    ),
]


@collection_get(
    router,
    "/allies",
    response_model=ListOf[AllyRead],
    summary="The 32 allies",
    responses={**csv_responses(ALLIES_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_allies(session: SessionDep, fmt: FormatDep) -> Response:
    """Every ally (ISO codes, name, accession, region, currency) with its latest share of GDP
    and that figure's year, edition and source."""
    items = [AllyRead.model_validate(row) for row in q.select_allies(session)]
    return collection_response(
        ListOf[AllyRead](items=items, total=len(items)), fmt, filename="allies"
    )


@router.get(
    "/allies/{ally}",
    response_model=AllyRead,
    summary="One ally",
    responses=problem_responses(400, 404, 406, 422, 503),
)
def get_ally(session: SessionDep, ally: AllyCode, _fmt: JsonOnlyDep) -> AllyRead:
    """One ally by ISO3 or ISO2 code in any case; an unknown code is a 404 that suggests close
    matches."""
    return AllyRead.model_validate(q.select_ally(session, code=ally))


@collection_get(
    router,
    "/allies/{ally}/series",
    response_model=ObservationPage,
    summary="One ally's figures",
    responses={**csv_responses(OBSERVATIONS_CSV), **problem_responses(400, 404, 406, 422, 503)},
)
async def list_ally_series(
    request: Request,
    session: SessionDep,
    ally: AllyCode,
    rule: EditionRuleDep,
    filters: FigureFiltersDep,
    fmt: FormatDep,
) -> Response:
    """The figures of one ally, filtered, sorted and paginated exactly like /v1/observations."""

    def answer() -> Response:
        iso3 = get_ally_iso3(session, ally)
        return figures_response(
            request,
            session,
            rule=rule,
            allies=[iso3],
            filters=filters,
            fmt=fmt,
            filename=f"{iso3.lower()}-series",
        )

    return await run_reads(request, answer, bounded=fmt is Format.json)
