"""/v1/editions: the report editions, their dates, price base and definition of spending."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app import __version__, atom
from app.deps import SessionDep
from app.edge.negotiation import Offer, choose
from app.errors import problem_responses
from app.formats import FormatDep, JsonOnlyDep, collection_get, collection_response, csv_responses
from app.queries import catalog as q
from app.reports.editions_feed import edition_changes
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


ATOM_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An Atom feed (RFC 4287): one entry per edition, newest first.",
        "content": {atom.ATOM_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
ATOM = Offer("atom", atom.ATOM_MEDIA_TYPE, ("application/xml",))


@router.get(
    "/editions.atom",
    response_class=Response,
    summary="The editions as an Atom feed, with what each one changed",
    responses={**ATOM_OK, **problem_responses(400, 406, 422, 503)},
)
def get_editions_feed(
    request: Request,
    session: SessionDep,
    format: Annotated[
        Literal["atom"] | None, Query(description="Only `atom` (the default) is available.")
    ] = None,
) -> Response:
    """One entry per edition, newest first: title, date, definition and price base, and what
    it changed against the edition before it (revisions, the largest share-of-GDP revisions,
    allies crossing 2% and 3.5%, pathway statuses), as `nato-api import-workbook` prints."""
    choose(request.headers.get("accept"), None, [ATOM])  # Atom alone: else a 406
    body = atom.atom_feed(edition_changes(session), api_version=__version__)
    return Response(body, media_type=atom.ATOM_MEDIA_TYPE)


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
