"""/v1/observations: every per-ally figure, filtered, sorted and paginated, JSON, CSV or NDJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import EditionRuleDep, SessionDep, run_reads
from app.errors import problem_responses
from app.figures import OBSERVATIONS_CSV, FigureFiltersDep, figures_response
from app.formats import Format, FormatDep, collection_get, csv_responses
from app.queries.lookups import ally_filter
from app.schemas.observations import ObservationPage
from app.whole_answers import WholeAnswerSlot

router = APIRouter(prefix="/v1", tags=["observations"])


@collection_get(
    router,
    "/observations",
    response_model=ObservationPage,
    summary="Per-ally figures, filtered and paginated",
    responses={**csv_responses(OBSERVATIONS_CSV), **problem_responses(400, 406, 422, 503)},
)
async def list_observations(
    request: Request,
    _slot: WholeAnswerSlot,
    session: SessionDep,
    rule: EditionRuleDep,
    filters: FigureFiltersDep,
    fmt: FormatDep,
    ally: Annotated[
        list[str] | None,
        Query(
            description="Ally code(s), ISO3 or ISO2 in any case, repeated or comma-separated.",
            examples=[["POL", "USA"]],
        ),
    ] = None,
) -> Response:
    """One item per published figure, each with its own edition and source; follow `next`
    (or the Link header) to walk every page."""

    def answer() -> Response:
        return figures_response(
            request,
            session,
            rule=rule,
            allies=ally_filter(session, ally),
            filters=filters,
            fmt=fmt,
            filename="observations",
        )

    # Bounded: a JSON page of the figures of some allies or indicators (a few hundred to count
    # and sort: at most about a millisecond); a page of a year or of the whole table sorts
    # thousands (4 to 13 ms), in a worker thread, not on the event loop.
    narrowed = bool(ally or filters.indicator)
    return await run_reads(request, answer, bounded=fmt is Format.json and narrowed)
