"""Charts of the API's answers: the words of a language (text.py) and a report's figures laid
out as the drawing primitives of svg.py (title, axis labels, footer of sources and editions)."""

from __future__ import annotations

from decimal import Decimal

from app.analysis.editions import CORE_DEFINITION
from app.analysis.pathways import AllyPathway, PathwaysResult
from app.charts import pathways as pathway_charts
from app.charts import svg as charts
from app.charts.text import ChartText
from app.queries.charts import SeriesRow
from app.reports.charts import AllySeries, RankedYear


def footer(
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


def ranked_svg(ranked: RankedYear, threshold: Decimal, rule: str, text: ChartText) -> str:
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
        footer=footer(
            text,
            {r.source for r in rows},
            {r.edition for r in rows},
            rule,
            ranked.core_editions,
            labels=True,
        ),
        text=text,
    )


def series_svg(data: AllySeries, threshold: Decimal | None, text: ChartText) -> str:
    """One line per edition, never merged; units named per line when editions differ."""
    by_edition: dict[str, list[SeriesRow]] = {}
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
        footer=footer(
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


def _target(target: Decimal, text: ChartText) -> str:
    _, unit = text.indicator("share_gdp", "", "% of GDP")
    return text.with_unit(charts.fmt_decimal(target), unit)


def pathways_svg(result: PathwaysResult, rule: str, text: ChartText) -> str:
    target = _target(result.rule.target, text)
    figures = [p.figure for p in result.items if p.figure is not None]
    core = frozenset(f.edition for f in figures if f.expenditure_definition == CORE_DEFINITION)
    return pathway_charts.pathway_rows(
        [
            pathway_charts.PathwayRow(
                code=p.ally,
                label=text.ally(p.ally, p.name),
                status=p.status,
                value_text=p.figure.value if p.figure else None,
                year=p.figure.year if p.figure else None,
                edition=p.figure.edition if p.figure else None,
                required_text=p.required.text if p.required else None,
                pace_text=p.pace.text if p.pace else None,
            )
            for p in result.items
        ],
        title=text.pathways_title.format(target=target, by=result.rule.by),
        subtitle=text.pathways_subtitle.format(pace_years=result.rule.pace_years),
        footer=[
            text.pathways_scope,
            *footer(text, {f.source for f in figures}, {f.edition for f in figures}, rule, core),
        ],
        text=text,
    )


def ally_pathway_svg(result: AllyPathway, rule: str, text: ChartText) -> str:
    pathway, limits = result.pathway, result.rule
    target = _target(limits.target, text)
    figure = pathway.figure
    name = text.ally(pathway.ally, pathway.name)
    published = [
        charts.Point(p.year, p.published, is_estimate=False)
        for p in result.points
        if p.published is not None
    ]
    series = [
        charts.Series(
            text.pathway_published.format(edition=figure.edition if figure else text.none),
            published,
        )
    ]
    required = [charts.Point(p.year, p.required.text) for p in result.points if p.required]
    projected = [charts.Point(p.year, p.projected.text) for p in result.points if p.projected]
    # A met target needs no path: a flat "required" line above the target would mislead.
    if required and pathway.status != "met":
        series.append(
            charts.Series(
                text.pathway_required.format(target=target, by=limits.by), required, computed=True
            )
        )
    if projected and pathway.pace is not None:
        pace = text.number(charts.display_value(pathway.pace.text))
        series.append(
            charts.Series(text.pathway_projected.format(pace=pace), projected, computed=True)
        )
    status = text.statuses.get(pathway.status, pathway.status)
    subtitle = text.pathway_subtitle.format(pace_years=limits.pace_years)
    lines = [text.pathway_status.format(status=status)]
    if figure is None:
        lines.append(text.pathway_no_figure.format(reason=pathway.reason or text.none))
    core = (
        frozenset({figure.edition})
        if figure and figure.expenditure_definition == CORE_DEFINITION
        else None
    )
    name_unit = text.indicator("share_gdp", "Defence expenditure as share of GDP", "% of GDP")
    return charts.line_chart(
        series,
        title=text.pathway_title.format(ally=name, target=target, by=limits.by),
        subtitle=subtitle,
        x_label=text.year,
        y_label=f"{name_unit[0]} ({name_unit[1]})",
        footer=[
            *lines,
            text.pathways_scope,
            *footer(
                text,
                {figure.source} if figure else set(),
                {figure.edition} if figure else set(),
                rule,
                core or frozenset(),
            ),
        ],
        threshold=limits.target,
        threshold_label=text.pathway_target.format(target=target),
        text=text,
        deadline=limits.by,
        deadline_label=text.pathway_deadline.format(by=limits.by),
    )
