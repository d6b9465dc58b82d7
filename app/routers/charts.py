"""SVG charts for embedding in reports and slides, rendered on the server from the same figures
as the JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import AfterValidator
from starlette.responses import Response

from app.analysis.decimals import bounded_decimal
from app.charts import layout
from app.charts import svg as charts
from app.charts.text import TEXTS, ChartText, Lang
from app.deps import EditionRuleDep, PathwayParametersDep, SessionDep
from app.edge.negotiation import Offer, choose
from app.edge.pinned import pin_answer
from app.errors import problem_responses
from app.reports import charts as report
from app.reports import pathways as pathways_report

router = APIRouter(prefix="/v1/charts", tags=["charts"])

SVG_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An SVG image (title, axis labels with units, source and edition "
        "written in the image).",
        "content": {charts.SVG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
SVG = Offer("svg", charts.SVG_MEDIA_TYPE)

Threshold = Annotated[
    Decimal,
    Query(
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Guideline in % of GDP; an ally meets it when its published figure is "
        "at or above it (exact decimal comparison).",
        examples=["2.0"],
    ),
    AfterValidator(bounded_decimal),
]
SvgFormat = Annotated[
    Literal["svg"] | None, Query(description="Only `svg` (the default) is available.")
]
LangQuery = Annotated[
    Lang,
    Query(
        description="Language of the titles, labels and ally names: `en` (default) or `fr` "
        "(NATO's two official languages). Figures, edition ids and source ids are unchanged.",
        examples=["fr"],
    ),
]


def _check_accept(request: Request) -> None:
    """SVG alone: an Accept that excludes it is a 406 (`format` takes only svg)."""
    choose(request.headers.get("accept"), None, [SVG])


def _svg(body: str, filename: str, text: ChartText) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=charts.SVG_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Content-Language": text.lang,
        },
    )


@router.get(
    "/compliance.svg",
    response_class=Response,
    summary="Allies ranked by share of GDP, as an SVG chart",
    responses={**SVG_OK, **problem_responses(400, 406, 422, 503)},
)
def get_compliance_chart(
    request: Request,
    session: SessionDep,
    rule: EditionRuleDep,
    year: Annotated[
        int | None,
        Query(
            ge=1949,
            le=2100,
            description="Year to rank (default: the newest year with figures under the "
            "edition rule).",
            examples=[2024],
        ),
    ] = None,
    threshold: Threshold = Decimal("2.0"),
    format: SvgFormat = None,
    lang: LangQuery = "en",
) -> Response:
    """Every ally's defence expenditure as a share of GDP for one year, ranked, with the
    threshold line; allies without a figure (Iceland) are drawn as "no data", never as 0."""
    _check_accept(request)
    ranked = report.ranked(session, rule=rule, year=year)
    text = TEXTS[lang]
    body = layout.ranked_svg(ranked, threshold, text.rule(rule.edition, rule.as_of), text)
    return _svg(body, f"compliance-{ranked.year}.svg", text)


@router.get(
    "/allies/{ally}.svg",
    response_class=Response,
    summary="One ally's series, editions overlaid, as an SVG chart",
    responses={**SVG_OK, **problem_responses(400, 404, 406, 422, 503)},
)
def get_ally_chart(
    request: Request,
    session: SessionDep,
    ally: Annotated[str, Path(description="ISO3 or ISO2 code.", examples=["POL"])],
    indicator: Annotated[
        str,
        Query(description="Indicator id (see /v1/indicators).", examples=["share_gdp"]),
    ] = report.COMPLIANCE_INDICATOR,
    edition: Annotated[
        list[str] | None,
        Query(
            description="Editions to draw, repeatable (default: every edition that has the "
            "series); each edition is its own line, never merged.",
            examples=[["2024-06", "2026-07"]],
        ),
    ] = None,
    threshold: Annotated[
        Decimal | None,
        Query(
            ge=0,
            le=100,
            allow_inf_nan=False,
            description="Draw a reference line at this value (e.g. 2.0 for share_gdp).",
            examples=["2.0"],
        ),
        AfterValidator(bounded_decimal),
    ] = None,
    format: SvgFormat = None,
    lang: LangQuery = "en",
) -> Response:
    """One ally's yearly figures of one indicator, one line per report edition, so that
    revisions show; estimates are hollow markers."""
    _check_accept(request)
    data = report.ally_series(session, ally=ally, indicator=indicator, editions=edition)
    text = TEXTS[lang]
    if data.editions:
        pin_answer(request.scope)  # the editions drawn are named: the chart never changes
    body = layout.series_svg(data, threshold, text)
    return _svg(body, f"{data.iso3.lower()}-{indicator}.svg", text)


@router.get(
    "/pathways.svg",
    response_class=Response,
    summary="Every ally's required yearly increase against its pace, as an SVG chart",
    responses={**SVG_OK, **problem_responses(400, 406, 422, 503)},
)
def get_pathways_chart(
    request: Request,
    session: SessionDep,
    rule: EditionRuleDep,
    params: PathwayParametersDep,
    format: SvgFormat = None,
    lang: LangQuery = "en",
) -> Response:
    """Per ally, the increase of share of GDP needed each year to reach the target by the
    deadline (bar) and the current pace (dot), grouped by status (/v1/pathways's rules)."""
    _check_accept(request)
    result = pathways_report.pathways(
        session, target=params.target, by=params.by, pace_years=params.pace_years, rule=rule
    )
    text = TEXTS[lang]
    body = layout.pathways_svg(result, text.rule(rule.edition, rule.as_of), text)
    return _svg(body, f"pathways-{params.by}.svg", text)


@router.get(
    "/pathways/{ally}.svg",
    response_class=Response,
    summary="One ally's road to the target, as an SVG chart",
    responses={**SVG_OK, **problem_responses(400, 404, 406, 422, 503)},
)
def get_ally_pathway_chart(
    request: Request,
    session: SessionDep,
    rule: EditionRuleDep,
    params: PathwayParametersDep,
    ally: Annotated[str, Path(description="ISO3 or ISO2 code.", examples=["POL"])],
    format: SvgFormat = None,
    lang: LangQuery = "en",
) -> Response:
    """The ally's published series (one edition), the straight-line required path to the
    target by the deadline, the projection at the current pace, the target and the deadline."""
    _check_accept(request)
    result = pathways_report.ally_pathway(
        session,
        ally=ally,
        target=params.target,
        by=params.by,
        pace_years=params.pace_years,
        rule=rule,
    )
    text = TEXTS[lang]
    body = layout.ally_pathway_svg(result, text.rule(rule.edition, rule.as_of), text)
    return _svg(body, f"{result.pathway.ally.lower()}-pathway-{params.by}.svg", text)
