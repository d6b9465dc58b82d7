"""/v1/sources: where the figures were read from, with the researcher's trust rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from app.deps import SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, JsonOnlyDep, collection_get, collection_response, csv_responses
from app.queries import catalog as q
from app.schemas import ListOf
from app.schemas.catalog import SourceRead

router = APIRouter(prefix="/v1", tags=["sources"])

SOURCES_CSV = (
    "id,title,url,publisher,kind,trust,notes,observations\r\n"
    "knews-2025-04-25,knews.media on the NATO Annual Report 2024 spending data (25 Apr 2025),"
    "https://knews.media/2025/04/25/nato-publishes-a-report-for-2024-surprising-data-on-expenses/,"
    'knews.media,news_report,medium,"The only full 31-ally list of Annual Report 2024 shares '
    'found. ...",30\r\n'
)


@collection_get(
    router,
    "/sources",
    response_model=ListOf[SourceRead],
    summary="The sources",
    responses={**csv_responses(SOURCES_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_sources(session: SessionDep, fmt: FormatDep) -> Response:
    """Every source by id: title, URL, publisher, kind, trust rating and number of figures."""
    items = [SourceRead.model_validate(row) for row in q.select_sources(session)]
    page = ListOf[SourceRead](items=items, total=len(items))
    return collection_response(page, fmt, filename="sources")


@router.get(
    "/sources/{source_id}",
    response_model=SourceRead,
    summary="One source",
    responses=problem_responses(400, 404, 406, 422, 503),
)
def get_source(
    session: SessionDep,
    source_id: Annotated[
        str,
        Path(max_length=200, description="Source id.", examples=["nato-def-exp-2024-xlsx"]),
    ],
    _fmt: JsonOnlyDep,
) -> SourceRead:
    """One source by id; an unknown id is a 404 that suggests close matches."""
    return SourceRead.model_validate(q.select_source(session, source_id=source_id))
