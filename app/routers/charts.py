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
from app.errors import NotAcceptable, Unprocessable, problem_responses
from app.queries import charts as q
from app.queries.lookups import get_ally_iso3, indicator_filter

router = APIRouter(prefix="/v1/charts", tags=["charts"])

SVG_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An SVG image (title, axis labels with units, source and edition "
        "written in the image).",
        "content": {charts.SVG_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
SVG_ACCEPTS = frozenset({charts.SVG_MEDIA_TYPE, "image/*", "*/*"})
DEFINITION_NOTE = (
    "Edition 2026-07 measures core defence expenditure (2025 Hague definition), "
    "not comparable with earlier editions."
)

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
    sources: set[str | None], editions: set[str | None], rule: str, *, labels: bool = False
) -> list[str]:
    src = ", ".join(sorted(s for s in sources if s)) or "none"
    eds = ", ".join(sorted(e for e in editions if e)) or "none"
    lines = [f"Source: {src}", f"Edition: {eds} ({rule})"]
    if "2026-07" in editions:
        lines.append(DEFINITION_NOTE)
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
    indicator = q.select_indicator(session, q.COMPLIANCE_INDICATOR)
    if year is None:
        year = q.select_latest_year(session, rule=rule, indicator=indicator.id)
        if year is None:
            raise Unprocessable(
                f"No per-ally share of GDP is published under {rule.describe()}; pick another "
                "edition (see /v1/editions).",
                errors=[{"parameter": "edition", "in": "query", "message": "no figures"}],
            )
    rows = q.select_ranked_year(session, year=year, rule=rule, indicator=indicator.id)
    threshold_label = _with_unit(charts.fmt_decimal(threshold), indicator.unit)
    body = charts.ranked_bars(
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
        title=f"Defence expenditure as share of GDP, {year}",
        subtitle=f"Allies ranked, threshold {threshold_label}; {rule.describe()}",
        axis_label=f"Defence expenditure ({indicator.unit})",
        threshold=threshold,
        threshold_label=threshold_label,
        footer=_footer(
            {r.source for r in rows}, {r.edition for r in rows}, rule.describe(), labels=True
        ),
    )
    return _svg(body, f"compliance-{year}.svg")


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
    iso3 = get_ally_iso3(session, ally)
    if indicator_filter(session, [indicator]) != [indicator]:
        # An empty or comma-separated value names no single indicator (it was a 500).
        raise Unprocessable(
            f"indicator: {indicator[:40]!r} is not one indicator id; give one, e.g. share_gdp "
            "(see /v1/indicators).",
            errors=[{"parameter": "indicator", "in": "query", "message": "one indicator id"}],
        )
    info = q.select_indicator(session, indicator)
    editions = [e.strip() for value in edition or [] for e in value.split(",") if e.strip()]
    if edition is not None and not editions:
        raise Unprocessable(
            "edition: empty; name one or more editions, e.g. edition=2024-06&edition=2026-07, "
            "or leave it out for every edition.",
            errors=[{"parameter": "edition", "in": "query", "message": "empty"}],
        )
    rows = q.select_ally_series(session, iso3=iso3, indicator=indicator, editions=editions)
    by_edition: dict[str, list[q.SeriesRow]] = {}
    for row in rows:
        by_edition.setdefault(row.edition, []).append(row)
    units = {row.unit for row in rows}
    series = [
        charts.Series(
            name=name,
            points=[charts.Point(r.year, r.value_text, r.is_estimate) for r in items],
            # Units differ by edition (price base, definition): name them when they do.
            unit=items[0].unit if len(units) > 1 else "",
        )
        for name, items in by_edition.items()
    ]
    name = q.select_ally_name(session, iso3)
    threshold_label = (
        _with_unit(charts.fmt_decimal(threshold), info.unit) if threshold is not None else ""
    )
    body = charts.line_chart(
        series,
        title=f"{name}: {info.name}",
        subtitle="One line per report edition (revisions are not merged)",
        x_label="Year",
        y_label=f"{info.name} ({info.unit})",
        footer=_footer(
            {r.source for r in rows},
            set(by_edition),
            "selected editions" if editions else "every edition with figures",
        ),
        threshold=threshold,
        threshold_label=threshold_label,
    )
    return _svg(body, f"{iso3.lower()}-{indicator}.svg")


def _with_unit(number: str, unit: str) -> str:
    return f"{number}{unit}" if unit.startswith("%") else f"{number} {unit}"
