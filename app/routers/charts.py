"""SVG charts for embedding in reports and slides, rendered on the server from the same figures
as the JSON API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app import charts
from app.chart_text import TEXTS, ChartText, Lang
from app.deps import EditionRuleDep, SessionDep
from app.edge.negotiation import media_ranges, not_acceptable
from app.errors import problem_responses
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
LangQuery = Annotated[
    Lang,
    Query(
        description="Language of the titles, labels and ally names: `en` (default) or `fr` "
        "(NATO's two official languages). Figures, edition ids and source ids are unchanged.",
        examples=["fr"],
    ),
]


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if accept and not any(media in SVG_ACCEPTS for media in media_ranges(accept)):
        raise not_acceptable(f"Accept: {accept[:200]}", [f"{charts.SVG_MEDIA_TYPE} (format=svg)"])


def _svg(body: str, filename: str, text: ChartText) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=charts.SVG_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Content-Language": text.lang,
        },
    )


def _footer(
    text: ChartText,
    sources: set[str | None],
    editions: set[str | None],
    rule: str,
    core: frozenset[str],
    *,
    labels: bool = False,
) -> list[str]:
    src = ", ".join(sorted(s for s in sources if s)) or text.none
    eds = ", ".join(sorted(e for e in editions if e)) or text.none
    lines = [
        text.source_line.format(sources=src),
        text.edition_line.format(editions=eds, rule=rule),
    ]
    drawn = sorted(core.intersection(e for e in editions if e))
    if drawn:
        note = text.definition_note if len(drawn) == 1 else text.definition_note_many
        lines.append(note.format(editions=", ".join(drawn)))
    lines.append(text.api_line + (text.labels_note if labels else ""))
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
    lang: LangQuery = "en",
) -> Response:
    """Every ally's defence expenditure as a share of GDP for one year, ranked, with the
    threshold line; allies without a figure (Iceland) are drawn as "no data", never as 0."""
    _check_accept(request)
    ranked = q.select_ranked(session, rule=rule, year=year)
    text = TEXTS[lang]
    body = _ranked_svg(ranked, threshold, text.rule(rule.edition, rule.as_of), text)
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
    lang: LangQuery = "en",
) -> Response:
    """One ally's yearly figures of one indicator, one line per report edition, so that
    revisions show; estimates are hollow markers."""
    _check_accept(request)
    data = q.select_ally_chart(session, ally=ally, indicator=indicator, editions=edition)
    text = TEXTS[lang]
    return _svg(_series_svg(data, threshold, text), f"{data.iso3.lower()}-{indicator}.svg", text)


def _ranked_svg(ranked: q.RankedYear, threshold: Decimal, rule: str, text: ChartText) -> str:
    rows, info = ranked.rows, ranked.indicator
    _, unit = text.indicator(info.id, info.name, info.unit)
    threshold_label = text.with_unit(charts.fmt_decimal(threshold), unit)
    return charts.ranked_bars(
        [
            charts.BarRow(
                code=r.iso3,
                label=text.ally(r.iso3, r.name),
                value_text=r.value_text,
                edition=r.edition,
                is_estimate=r.is_estimate,
            )
            for r in rows
        ],
        title=text.compliance_title.format(year=ranked.year),
        subtitle=text.compliance_subtitle.format(threshold=threshold_label, rule=rule),
        axis_label=text.compliance_axis.format(unit=unit),
        threshold=threshold,
        threshold_label=threshold_label,
        footer=_footer(
            text,
            {r.source for r in rows},
            {r.edition for r in rows},
            rule,
            ranked.core_editions,
            labels=True,
        ),
        text=text,
    )


def _series_svg(data: q.AllySeries, threshold: Decimal | None, text: ChartText) -> str:
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
    name, unit = text.indicator(info.id, info.name, info.unit)
    threshold_label = (
        text.with_unit(charts.fmt_decimal(threshold), unit) if threshold is not None else ""
    )
    return charts.line_chart(
        series,
        title=text.ally_title.format(ally=text.ally(data.iso3, data.name), indicator=name),
        subtitle=text.ally_subtitle,
        x_label=text.year,
        y_label=f"{name} ({unit})",
        footer=_footer(
            text,
            {r.source for r in data.rows},
            set(by_edition),
            text.selected_editions if data.editions else text.every_edition,
            data.core_editions,
        ),
        threshold=threshold,
        threshold_label=threshold_label,
        text=text,
    )
