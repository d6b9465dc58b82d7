"""/v1/pathways: every ally's path to a share-of-GDP target by a deadline (default: the Hague
3.5% by 2035), and one ally's path year by year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from app.deps import EditionRuleDep, PathwayParametersDep, SessionDep
from app.errors import problem_responses
from app.formats import (
    FormatDep,
    JsonOnlyDep,
    collection_get,
    collection_response,
    csv_example,
    csv_responses,
)
from app.reports import pathways as report
from app.schemas.pathways import AllyPathwayRead, PathwayItem, PathwaysRead

router = APIRouter(prefix="/v1", tags=["pathways"])

PATHWAYS_CSV = csv_example(PathwayItem)


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
    "/pathways",
    response_model=PathwaysRead,
    summary="Every ally's path to a share-of-GDP target by a deadline",
    responses={**csv_responses(PATHWAYS_CSV), **problem_responses(400, 406, 422, 503)},
)
def list_pathways(
    session: SessionDep,
    rule: EditionRuleDep,
    fmt: FormatDep,
    params: PathwayParametersDep,
    ally: Annotated[
        list[str] | None,
        Query(
            description="Ally code(s), ISO3 or ISO2 in any case, repeated or comma-separated.",
            examples=[["POL", "USA"]],
        ),
    ] = None,
) -> Response:
    """Per ally: newest share of GDP, shortfall, required yearly increase, current pace,
    status and projected year, with the rule applied and a summary per status."""
    result = report.pathways(
        session,
        target=params.target,
        by=params.by,
        pace_years=params.pace_years,
        allies=ally,
        rule=rule,
    )
    return collection_response(PathwaysRead.from_result(result), fmt, filename="pathways")


# JSON only, as /v1/allies/{ally}: a `{ally}.csv` twin would be read as the ally "POL.csv".
@router.get(
    "/pathways/{ally}",
    response_model=AllyPathwayRead,
    summary="One ally's path to the target, year by year",
    responses=problem_responses(400, 404, 406, 422, 503),
)
def get_ally_pathway(
    session: SessionDep,
    rule: EditionRuleDep,
    _fmt: JsonOnlyDep,
    params: PathwayParametersDep,
    ally: AllyCode,
) -> AllyPathwayRead:
    """The ally's published series in the figure's edition, the straight-line required path
    from latest_year to `by` and the projection at the current pace."""
    result = report.ally_pathway(
        session,
        ally=ally,
        target=params.target,
        by=params.by,
        pace_years=params.pace_years,
        rule=rule,
    )
    return AllyPathwayRead.from_result(result)
