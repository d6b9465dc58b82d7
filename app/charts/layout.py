"""Charts of the API's answers: the words of a language (text.py) and a report's figures laid
out as the drawing primitives of svg.py (title, axis labels, footer of sources and editions)."""

from __future__ import annotations

from decimal import Decimal

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
