"""SVG charts for embedding in reports and slides, rendered on the server from the same figures
as the JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app import charts
from app.deps import EditionRuleDep, SessionDep
from app.edge.negotiation import media_ranges
from app.errors import NotAcceptable, problem_responses
from app.queries import charts as q

router = APIRouter(prefix="/v1/charts", tags=["charts"])

SVG_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An SVG image (title, axis labels with units, source and edition "
        "written in the image).",
        "content": {charts.SVG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
SVG_ACCEPTS = frozenset({charts.SVG_MEDIA_TYPE, "image/*", "*/*"})

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
]
SvgFormat = Annotated[
    Literal["svg"] | None, Query(description="Only `svg` (the default) is available.")
]


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if accept and not any(media in SVG_ACCEPTS for media in media_ranges(accept)):
        raise NotAcceptable(
            f"Cannot answer with any of Accept: {accept[:200]}. This chart is available as "
            f"{charts.SVG_MEDIA_TYPE} only; the figures are at the JSON endpoints."
        )


def _svg(body: str, filename: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=charts.SVG_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _footer(
    sources: set[str | None],
    editions: set[str | None],
    rule: str,
    core: frozenset[str],
    *,
    labels: bool = False,
) -> list[str]:
    src = ", ".join(sorted(s for s in sources if s)) or "none"
    eds = ", ".join(sorted(e for e in editions if e)) or "none"
    lines = [f"Source: {src}", f"Edition: {eds} ({rule})"]
    drawn = sorted(core.intersection(e for e in editions if e))
    if drawn:
        which = (
            f"Edition {drawn[0]} measures"
            if len(drawn) == 1
            else (f"Editions {', '.join(drawn)} measure")
        )
        lines.append(
            f"{which} core defence expenditure (2025 Hague definition), not comparable with "
            "earlier editions."
        )
    note = " Labels shortened to 2 decimals; exact figures in the JSON API." if labels else ""
    lines.append(f"NATO defence expenditure API.{note}")
    return lines


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
) -> Response:
    """Every ally's defence expenditure as a share of GDP for one year, ranked, with the
    threshold line; allies without a figure (Iceland) are drawn as "no data", never as 0."""
    _check_accept(request)
    ranked = q.select_ranked(session, rule=rule, year=year)
    return _svg(_ranked_svg(ranked, threshold, rule.describe()), f"compliance-{ranked.year}.svg")


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
    ] = q.COMPLIANCE_INDICATOR,
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
    ] = None,
    format: SvgFormat = None,
) -> Response:
    """One ally's yearly figures of one indicator, one line per report edition, so that
    revisions show; estimates are hollow markers."""
    _check_accept(request)
    data = q.select_ally_chart(session, ally=ally, indicator=indicator, editions=edition)
    return _svg(_series_svg(data, threshold), f"{data.iso3.lower()}-{indicator}.svg")


def _with_unit(number: str, unit: str) -> str:
    return f"{number}{unit}" if unit.startswith("%") else f"{number} {unit}"


def _ranked_svg(ranked: q.RankedYear, threshold: Decimal, rule: str) -> str:
    rows, unit = ranked.rows, ranked.indicator.unit
    threshold_label = _with_unit(charts.fmt_decimal(threshold), unit)
    return charts.ranked_bars(
        [
            charts.BarRow(
                code=r.iso3,
                label=r.name,
                value_text=r.value_text,
                edition=r.edition,
                is_estimate=r.is_estimate,
            )
            for r in rows
        ],
        title=f"Defence expenditure as share of GDP, {ranked.year}",
        subtitle=f"Allies ranked, threshold {threshold_label}; {rule}",
        axis_label=f"Defence expenditure ({unit})",
        threshold=threshold,
        threshold_label=threshold_label,
        footer=_footer(
            {r.source for r in rows},
            {r.edition for r in rows},
            rule,
            ranked.core_editions,
            labels=True,
        ),
    )


def _series_svg(data: q.AllySeries, threshold: Decimal | None) -> str:
    """One line per edition, never merged; units named per line when editions differ."""
    by_edition: dict[str, list[q.SeriesRow]] = {}
    for row in data.rows:
        by_edition.setdefault(row.edition, []).append(row)
    units = {row.unit for row in data.rows}
    series = [
        charts.Series(
            name=name,
            points=[charts.Point(r.year, r.value_text, r.is_estimate) for r in items],
            unit=items[0].unit if len(units) > 1 else "",
        )
        for name, items in by_edition.items()
    ]
    info = data.indicator
    threshold_label = (
        _with_unit(charts.fmt_decimal(threshold), info.unit) if threshold is not None else ""
    )
    return charts.line_chart(
        series,
        title=f"{data.name}: {info.name}",
        subtitle="One line per report edition (revisions are not merged)",
        x_label="Year",
        y_label=f"{info.name} ({info.unit})",
        footer=_footer(
            {r.source for r in data.rows},
            set(by_edition),
            "selected editions" if data.editions else "every edition with figures",
            data.core_editions,
        ),
        threshold=threshold,
        threshold_label=threshold_label,
    )
