"""How figures were revised across editions, and what changed between two editions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator
from starlette.responses import Response

from app.analysis.compliance import Basis
from app.analysis.decimals import bounded_decimal
from app.analysis.editions import EDITION_PATTERN
from app.deps import Limit, Offset, SessionDep
from app.errors import problem_responses
from app.formats import (
    FormatDep,
    collection_get,
    collection_response,
    link_header,
    page_limit,
    page_links,
)
from app.reports import revisions as report
from app.schemas.revisions import ChangesRead, RevisionsRead

router = APIRouter(prefix="/v1", tags=["revisions"])


@collection_get(
    router,
    "/revisions",
    response_model=RevisionsRead,
    summary="One figure across every edition",
    responses=problem_responses(400, 406, 422, 503),
)
def list_revisions(
    session: SessionDep,
    fmt: FormatDep,
    indicator: Annotated[
        str, Query(max_length=60, description="Indicator id.", examples=["share_gdp"])
    ],
    year: Annotated[int, Query(ge=1949, le=2100, description="Year.", examples=[2024])],
    ally: Annotated[
        str | None, Query(max_length=3, description="Ally ISO3 or ISO2.", examples=["USA"])
    ] = None,
    aggregate: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Instead of an ally: NATO_TOTAL, NATO_EUROPE_CANADA, NATO_EUROPE, "
            "USA_SHARE_OF_NATO or ALLIES.",
            examples=["NATO_EUROPE_CANADA"],
        ),
    ] = None,
) -> Response:
    """The figure in publication order, with the change from the previous edition."""
    chain = report.revision_chain(
        session, ally=ally, aggregate=aggregate, indicator=indicator, year=year
    )
    body = RevisionsRead.from_chain(chain)
    who = chain.ally or chain.aggregate
    return collection_response(body, fmt, filename=f"revisions-{who}-{indicator}-{year}")


@collection_get(
    router,
    "/revisions/changes",
    response_model=ChangesRead,
    summary="Every figure that changed between two editions",
    responses=problem_responses(400, 406, 422, 503),
)
def list_revision_changes(
    request: Request,
    session: SessionDep,
    fmt: FormatDep,
    from_edition: Annotated[
        str, Query(pattern=EDITION_PATTERN, description="Older edition.", examples=["2024-06"])
    ],
    to_edition: Annotated[
        str, Query(pattern=EDITION_PATTERN, description="Newer edition.", examples=["2025-04"])
    ],
    indicator: Annotated[
        str | None, Query(max_length=60, description="Indicator id.", examples=["share_gdp"])
    ] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100, examples=[2024])] = None,
    threshold: Annotated[
        Decimal | None,
        Query(
            ge=-100,
            le=100,
            description="Threshold for `flips` (default: 2.0 for share_gdp, 20 for "
            "equipment_share).",
        ),
        AfterValidator(bounded_decimal),
    ] = None,
    basis: Annotated[Basis, Query(description="Comparison basis for `flips`.")] = (
        Basis.full_precision
    ),
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Figures present in both editions whose values differ, largest change first, and the
    allies whose status against the threshold flipped."""
    result = report.changes(
        session,
        from_edition=from_edition,
        to_edition=to_edition,
        indicator=indicator,
        year=year,
        threshold=threshold,
        basis=basis,
    )
    size = page_limit(request, fmt, limit)
    links = page_links(request, offset=offset, limit=size, total=len(result.changes))
    body = ChangesRead.from_changes(result, limit=size, offset=offset, links=links)
    return collection_response(
        body,
        fmt,
        filename=f"changes-{from_edition}-{to_edition}",
        headers=link_header(links),
    )
