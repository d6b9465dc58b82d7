"""The figure routes' shared part (/v1/observations, /v1/allies/{ally}/series): their filters
as a dependency, and the figures answer rendered as a JSON page or whole CSV or NDJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.responses import Response

from app.analysis.editions import EditionRule
from app.deps import Limit, Offset, SessionDep
from app.formats import (
    Format,
    FormatDep,
    collection_response,
    csv_example,
    link_header,
    page_limit,
    page_links,
    rows_response,
)
from app.queries.observations import DEFAULT_SORT, SORT_KEYS
from app.reports.observations import FigureFilters, figures
from app.schemas import EditionRuleRead
from app.schemas.observations import ObservationPage, ObservationRead

# The CSV example of both figure routes, from the item model's field examples.
OBSERVATIONS_CSV = csv_example(ObservationRead)


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
    rows, total = figures(session, rule=rule, allies=allies, filters=filters, limit=limit)
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
