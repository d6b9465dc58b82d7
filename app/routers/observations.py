"""/v1/observations: every per-ally figure, filtered, sorted and paginated, JSON, CSV or NDJSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.analysis.editions import EditionRule
from app.deps import EditionRuleDep, Limit, Offset, SessionDep
from app.edge.negotiation import Format
from app.errors import problem_responses
from app.formats import (
    FormatDep,
    collection_get,
    collection_response,
    csv_responses,
    link_header,
    page_limit,
    page_links,
    rows_response,
)
from app.queries.lookups import ally_filter, indicator_filter
from app.queries.observations import DEFAULT_SORT, SORT_KEYS, select_observations
from app.schemas import EditionRuleRead
from app.schemas.observations import ObservationPage, ObservationRead

router = APIRouter(prefix="/v1", tags=["observations"])

OBSERVATIONS_CSV = (
    "indicator,ally,year,value,value_text,unit,edition,is_estimate,source,notes,ally_name,"
    "edition_published_on,expenditure_definition\r\n"
    'share_gdp,POL,2024,4.120190989357147,4.120190989357147,"% of GDP (NATO ""share of real '
    'GDP"", based on 2015 prices)",2024-06,true,nato-def-exp-2024-xlsx,,Poland,2024-06-17,'
    "nato_defence_expenditure\r\n"
)


@dataclass(frozen=True)
class FigureFilters:
    """The filters /v1/observations and /v1/allies/{ally}/series share (all but `ally`)."""

    indicator: list[str] | None
    year: int | None
    year_from: int | None
    year_to: int | None
    is_estimate: bool | None
    sort: str
    limit: int
    offset: int


def figure_filters(
    indicator: Annotated[
        list[str] | None,
        Query(
            description="Indicator id(s), repeated or comma-separated (see /v1/indicators).",
            examples=[["share_gdp"]],
        ),
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=1900, le=2100, description="Only this year (not with from/to).", examples=[2024]),
    ] = None,
    year_from: Annotated[
        int | None,
        Query(
            alias="from", ge=1900, le=2100, description="First year, inclusive.", examples=[2014]
        ),
    ] = None,
    year_to: Annotated[
        int | None,
        Query(alias="to", ge=1900, le=2100, description="Last year, inclusive.", examples=[2024]),
    ] = None,
    is_estimate: Annotated[
        bool | None,
        Query(
            description="Only estimates (true) or only non-estimates (false), among the "
            "figures the edition rule chose."
        ),
    ] = None,
    sort: Annotated[
        str,
        Query(
            max_length=200,
            description=f"Comma-separated sort keys among {', '.join(SORT_KEYS)}; prefix a key "
            "with - for descending (e.g. `-value`). The figure's identity (indicator, ally, "
            "year, edition, source) always breaks ties, so pages never overlap.",
            examples=["-value"],
        ),
    ] = DEFAULT_SORT,
    limit: Limit = 100,
    offset: Offset = 0,
) -> FigureFilters:
    return FigureFilters(indicator, year, year_from, year_to, is_estimate, sort, limit, offset)


FigureFiltersDep = Annotated[FigureFilters, Depends(figure_filters)]


def figures_response(
    request: Request,
    session: SessionDep,
    *,
    rule: EditionRule,
    allies: list[str],
    filters: FigureFilters,
    fmt: FormatDep,
    filename: str,
) -> Response:
    """Run the query and render one page as JSON (with links), or every matching figure (one
    page when `limit` or `offset` is given) as streamed CSV or NDJSON; Link header in all."""
    limit = page_limit(request, fmt, filters.limit)
    rows, total = select_observations(
        session,
        rule=rule,
        allies=allies,
        indicators=indicator_filter(session, filters.indicator),
        year=filters.year,
        year_from=filters.year_from,
        year_to=filters.year_to,
        is_estimate=filters.is_estimate,
        sort=filters.sort,
        limit=limit,
        offset=filters.offset,
    )
    links = page_links(request, offset=filters.offset, limit=limit, total=total)
    headers = link_header(links)
    if fmt is not Format.json:
        return rows_response(
            rows, ObservationRead, fmt, total=total, filename=filename, headers=headers
        )
    page = ObservationPage(
        items=[ObservationRead.model_validate(row) for row in rows],
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        next=links["next"],
        prev=links["prev"],
        edition_rule=EditionRuleRead.from_rule(rule),
    )
    return collection_response(page, fmt, filename=filename, headers=headers)


@collection_get(
    router,
    "/observations",
    response_model=ObservationPage,
    summary="Per-ally figures, filtered and paginated",
    responses={**csv_responses(OBSERVATIONS_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_observations(
    request: Request,
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
    return figures_response(
        request,
        session,
        rule=rule,
        allies=ally_filter(session, ally),
        filters=filters,
        fmt=fmt,
        filename="observations",
    )
