"""Attributed quotes (verbatim, with source and verification) and their speakers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app.deps import IsoDate, Limit, Offset, SessionDep
from app.errors import problem_responses
from app.formats import (
    Format,
    FormatDep,
    JsonOnlyDep,
    collection_get,
    collection_response,
    link_header,
    page_limit,
    page_links,
    rows_response,
)
from app.queries import quotes as q
from app.schemas import ListOf, Page
from app.schemas.quotes import QuoteRead, SpeakerRead

router = APIRouter(prefix="/v1", tags=["quotes"])


@collection_get(
    router,
    "/quotes",
    response_model=Page[QuoteRead],
    summary="Search quotes",
    responses=problem_responses(400, 406, 422, 503),
)
def list_quotes(
    request: Request,
    session: SessionDep,
    fmt: FormatDep,
    speaker: Annotated[
        str | None,
        Query(max_length=200, description="Exact speaker, any case.", examples=["Mark Rutte"]),
    ] = None,
    q_: Annotated[
        str | None,
        Query(
            alias="q",
            max_length=200,
            description="Words that must all appear in the text, speaker or context; case- "
            "and accent-insensitive (espana finds España).",
            examples=["twenty-three"],
        ),
    ] = None,
    said_from: Annotated[
        IsoDate | None, Query(alias="from", description="Said on or after this date.")
    ] = None,
    said_to: Annotated[
        IsoDate | None, Query(alias="to", description="Said on or before this date.")
    ] = None,
    verification: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Verification level, e.g. official_nato_page_read.",
            examples=["official_nato_page_read"],
        ),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Quotes newest first, filtered by speaker, words, dates and verification level."""
    filters = q.QuoteFilters(speaker, q_, said_from, said_to, verification)
    size = page_limit(request, fmt, limit)
    rows, total = q.select_quotes(session, filters=filters, limit=size, offset=offset)
    links = page_links(request, offset=offset, limit=size, total=total)
    if fmt is not Format.json:
        return rows_response(
            rows, QuoteRead, fmt, total=total, filename="quotes", headers=link_header(links)
        )
    page = Page[QuoteRead](
        items=[QuoteRead.model_validate(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        **links,
    )
    return collection_response(page, fmt, filename="quotes", headers=link_header(links))


@router.get(
    "/quotes/{quote_id}",
    response_model=QuoteRead,
    summary="One quote",
    responses=problem_responses(404, 406, 503),
)
def get_quote(
    session: SessionDep,
    _fmt: JsonOnlyDep,
    quote_id: Annotated[str, Path(max_length=200, description="Quote id (a stable slug).")],
) -> QuoteRead:
    """One quote by id, verbatim, with its source, context and verification."""
    return QuoteRead.model_validate(q.get_quote(session, quote_id))


@collection_get(
    router,
    "/speakers",
    response_model=ListOf[SpeakerRead],
    summary="Speakers with their number of quotes",
    responses=problem_responses(400, 406, 503),
)
def list_speakers(session: SessionDep, fmt: FormatDep) -> Response:
    """Every speaker, most quoted first, with the dates of the first and last quote."""
    rows = q.select_speakers(session)
    body = ListOf[SpeakerRead](
        items=[SpeakerRead.model_validate(row) for row in rows], total=len(rows)
    )
    return collection_response(body, fmt, filename="speakers")
