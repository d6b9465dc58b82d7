"""The figure routes' shared part (/v1/observations, /v1/allies/{ally}/series): their filters
as a dependency, and the figures answer rendered as a JSON page or whole CSV or NDJSON."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.responses import Response

from app.analysis.editions import EditionRule
from app.deps import Limit, Offset, SessionDep
from app.formats import (
    Format,
    FormatDep,
    Plain,
    csv_example,
    json_content_response,
    link_header,
    page_limit,
    page_links,
    rows_response,
)
from app.queries.observations import COLUMNS, DEFAULT_SORT, SORT_KEYS
from app.reports.observations import FigureFilters, figures
from app.schemas import EditionRuleRead
from app.schemas.observations import ObservationRead

# The CSV example of both figure routes, from the item model's field examples.
OBSERVATIONS_CSV = csv_example(ObservationRead)
# The query's rows are the items: its columns are the item model's fields, in order, and
# their values the fields' JSON types (so they are written with no model per row).
if tuple(ObservationRead.model_fields) != COLUMNS:
    raise TypeError("app.queries.observations.COLUMNS must be ObservationRead's fields")


@functools.lru_cache(maxsize=64)
def _rule_json(rule: EditionRule) -> dict[str, Any]:
    # Read-only: serialized as it is by every page of the same rule.
    return EditionRuleRead.from_rule(rule).model_dump(mode="json")


async def figure_filters(
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
        plain = Plain(rows, ObservationRead)
        return rows_response(
            plain, ObservationRead, fmt, total=total, filename=filename, headers=headers
        )
    # ObservationPage's JSON, key for key, from the rows (the model is the contract, the
    # OpenAPI document's; building one per row cost more than the queries).
    page = {
        "items": [dict(zip(COLUMNS, row, strict=True)) for row in rows],
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "next": links["next"],
        "prev": links["prev"],
        "edition_rule": _rule_json(rule),
    }
    return json_content_response(page, {"X-Total-Count": str(total), **headers})
