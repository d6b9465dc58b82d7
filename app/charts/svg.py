"""Server-side SVG charts: pure functions from figures to an SVG document, no plotting library.

Every chart carries a <title> and <desc> (read by screen readers through aria-labelledby),
axis labels with units, and a footer naming the source(s) and edition(s) of what it draws.
All text goes through XML escaping. Decisions (meets a threshold or not) are made with
Decimal on the published text; floats only place shapes on the canvas.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from app.charts.text import EN, ChartText

SVG_MEDIA_TYPE = "image/svg+xml"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
WIDTH = 820
# WCAG AA on white: text >= 4.5:1, graphics >= 3:1. Blue/orange stay apart for colour-blind
# readers, and meeting/below is also written in each bar's label and tooltip.
INK = "#1a1a1a"
MUTED = "#4d4d4d"
GRID = "#d9d9d9"
MEETS = "#1f4e9c"
BELOW = "#b25000"
THRESHOLD = "#b00020"
# Average advance of a 13 px sans-serif character, to lay out legend entries one after another.
LEGEND_CHAR_WIDTH = 7.2
# Line colours for overlaid editions (Okabe-Ito, darkened where needed for 3:1 on white);
# nine, one per edition of the dataset, before a colour repeats.
PALETTE = (
    "#0060a8",
    "#c05a00",
    "#007a5e",
    "#a3307a",
    "#5b4a00",
    "#4b3c9e",
    "#8a2d2d",
    "#2f6b2f",
    "#5f5f5f",
)


def esc(text: object) -> str:
    """Escape text for an XML text node or a double-quoted attribute."""
    return escape(str(text), {'"': "&quot;"})


def fmt_decimal(value: Decimal) -> str:
    """A Decimal as plain text with thousands separators, no exponent, no trailing zeros."""
    normal = value.normalize()
    if normal == normal.to_integral():
        normal = normal.quantize(Decimal(1))
    return f"{normal:,f}"


def display_value(value_text: str, threshold: Decimal | None = None) -> str:
    """A published value shortened to 2 decimals for a chart label.

    The exact published text is kept when shortening would hide the comparison with the
    threshold (e.g. 1.996 would read "2.00" while it is below 2).
    """
    exact = Decimal(value_text)
    places = Decimal(1) if abs(exact) >= 1000 else Decimal("0.01")
    exponent = exact.as_tuple().exponent
    too_long = isinstance(exponent, int) and exponent < places.as_tuple().exponent  # type: ignore[operator]
    shown = exact.quantize(places, ROUND_HALF_UP) if too_long else exact
    if threshold is not None and (shown >= threshold) != (exact >= threshold):
        return value_text
    return f"{shown:,f}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks covering [low, high] (low <= 0 <= high is not required)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    tick = start
    while tick < high + step * 0.999:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


def _tick_label(tick: float, text: ChartText) -> str:
    return text.number(fmt_decimal(Decimal(repr(tick))))


def _open(width: int, height: int, title: str, desc: str, text: ChartText) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'xml:lang="{text.lang}" font-family="{esc(FONT)}" font-size="13" fill="{INK}">',
        f'<title id="chart-title">{esc(title)}</title>',
        f'<desc id="chart-desc">{esc(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="26" font-size="17" font-weight="bold" class="chart-title">'
        f"{esc(title)}</text>",
    ]


def wrap_lines(lines: Sequence[str], width: int = 130) -> list[str]:
    """Footer lines wrapped to fit the image width (long source lists)."""
    return [part for line in lines for part in textwrap.wrap(line, width) or [""]]


def _footer(lines: Sequence[str], y: float) -> list[str]:
    return [
        f'<text x="16" y="{y + 16 * i:.0f}" font-size="11" fill="{MUTED}" class="chart-footer">'
        f"{esc(line)}</text>"
        for i, line in enumerate(lines)
    ]


@dataclass(frozen=True)
class BarRow:
    """One ally of a ranked chart; `value_text` None means no published figure (no data)."""

    code: str
    label: str
    value_text: str | None
    edition: str | None = None
    is_estimate: bool = False

    @property
    def value(self) -> Decimal | None:
        return None if self.value_text is None else Decimal(self.value_text)


def ranked_bars(
    rows: Sequence[BarRow],
    *,
    title: str,
    subtitle: str,
    axis_label: str,
    threshold: Decimal,
    threshold_label: str,
    footer: Sequence[str],
    text: ChartText = EN,
) -> str:
    """Horizontal bars ranked by value (highest first), a threshold line, and "no data" rows.

    A row without a figure is drawn as a labelled "no data" row at the bottom, never as a
    zero-length bar. `text` gives the chart's own words and number style (English default).
    """
    with_data = sorted(
        (r for r in rows if r.value is not None),
        key=lambda r: (-r.value, r.label),  # type: ignore[operator]
    )
    no_data = sorted((r for r in rows if r.value is None), key=lambda r: r.label)
    ordered = [*with_data, *no_data]
    footer = wrap_lines(footer)
    meeting = sum(1 for r in with_data if r.value is not None and r.value >= threshold)

    left, right, top, row_h = 170, 90, 92, 20
    plot_w = WIDTH - left - right
    plot_h = max(len(ordered), 1) * row_h
    height = top + plot_h + 52 + 16 * len(footer) + 8
    max_value = max([float(r.value) for r in with_data if r.value is not None] + [0.0])
    min_value = min([float(r.value) for r in with_data if r.value is not None] + [0.0])
    ticks = nice_ticks(min(min_value, 0.0), max(max_value, float(threshold)) * 1.02)
    lo, hi = ticks[0], ticks[-1]

    def x(value: float) -> float:
        return left + (value - lo) / (hi - lo) * plot_w

    desc = text.ranked_desc.format(
        subtitle=subtitle,
        meeting=meeting,
        with_data=len(with_data),
        threshold=threshold_label,
        without=len(no_data),
        names=", ".join(r.label for r in no_data) or text.none,
    )
    out = _open(WIDTH, height, title, desc, text)
    out.append(f'<text x="16" y="46" fill="{MUTED}" class="chart-subtitle">{esc(subtitle)}</text>')
    legend_y = 68
    legend = [
        (MEETS, text.at_or_above.format(threshold=threshold_label, count=meeting)),
        (BELOW, text.below.format(count=len(with_data) - meeting)),
        (None, text.no_data_count.format(count=len(no_data))),
        (None, text.estimate_key),
    ]
    lx = 16.0
    for colour, label in legend:
        if colour:
            out.append(
                f'<rect x="{lx:.0f}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>'
            )
            lx += 18
        fill = "" if colour else f' fill="{MUTED}"'
        out.append(f'<text x="{lx:.0f}" y="{legend_y}"{fill}>{esc(label)}</text>')
        # Laid out by the text's length (French labels are longer): ~7 px a character.
        lx += LEGEND_CHAR_WIDTH * len(label) + 24
    for tick in ticks:
        tx = x(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>'
            f'<text x="{tx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{esc(_tick_label(tick, text))}</text>"
        )
    tx = x(float(threshold))
    out.append(
        f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{top + plot_h}" '
        f'stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 3" class="threshold"/>'
        f'<text x="{tx + 4:.1f}" y="{top - 8}" fill="{THRESHOLD}" font-weight="bold">'
        f"{esc(threshold_label)}</text>"
    )
    for i, row in enumerate(ordered):
        y = top + i * row_h
        cy = y + row_h / 2 + 4
        out.append(
            f'<g class="bar" data-ally="{esc(row.code)}"'
            + (f' data-value="{esc(row.value_text)}"' if row.value_text is not None else "")
            + (f' data-edition="{esc(row.edition)}"' if row.edition else "")
            + ">"
        )
        out.append(f'<text x="{left - 8}" y="{cy:.1f}" text-anchor="end">{esc(row.label)}</text>')
        if row.value is None or row.value_text is None:
            out.append(
                f"<title>{esc(text.no_data_title.format(label=row.label))}</title>"
                f'<text x="{x(0) + 6:.1f}" y="{cy:.1f}" fill="{MUTED}" font-style="italic" '
                f'class="no-data">{esc(text.no_data)}</text></g>'
            )
            continue
        meets = row.value >= threshold
        x0, x1 = sorted((x(0), x(float(row.value))))
        estimate = " e" if row.is_estimate else ""
        label = text.number(display_value(row.value_text, threshold)) + estimate
        tooltip = text.bar_title.format(
            label=row.label,
            value=text.number(row.value_text),
            axis=axis_label,
            status=text.status_meets if meets else text.status_below,
            threshold=threshold_label,
            edition=row.edition or "?",
            estimate=text.estimate if row.is_estimate else "",
        )
        out.append(
            f"<title>{esc(tooltip)}</title>"
            f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 6}" '
            f'fill="{MEETS if meets else BELOW}"/>'
            f'<text x="{max(x1, x(0)) + 4:.1f}" y="{cy:.1f}" class="value" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">{esc(label)}</text>'
            "</g>"
        )
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 36}" text-anchor="middle" '
        f'class="axis-label">{esc(axis_label)}</text>'
    )
    out += _footer(footer, top + plot_h + 60)
    out.append("</svg>")
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Point:
    year: int
    value_text: str
    is_estimate: bool = False

    @property
    def value(self) -> Decimal:
        return Decimal(self.value_text)


@dataclass(frozen=True)
class Series:
    """One edition's line; points need not be contiguous (a gap breaks the line)."""

    name: str
    points: Sequence[Point]
    unit: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # A computed line (a path or projection, not published figures): dashed, hollow markers.
    computed: bool = False


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    subtitle: str,
    x_label: str,
    y_label: str,
    footer: Sequence[str],
    threshold: Decimal | None = None,
    threshold_label: str = "",
    text: ChartText = EN,
    deadline: int | None = None,
    deadline_label: str = "",
) -> str:
    """Year-on-x lines, one per series (edition), hollow markers for estimates; a vertical
    line at `deadline` when given."""
    footer = wrap_lines(footer)
    legend_end = 68 + 20 * len(series)
    left, right, top = 90, 40, legend_end + 30
    plot_w, plot_h = WIDTH - left - right, 300
    height = top + plot_h + 56 + 16 * len(footer) + 8
    points = [p for s in series for p in s.points]
    years = [p.year for p in points] or [2014]
    if deadline is not None:
        years.append(deadline)
    values = [float(p.value) for p in points] or [0.0]
    if threshold is not None:
        values.append(float(threshold))
    y0, y1 = min(min(values), 0.0), max(values)
    ticks = nice_ticks(y0, y1 * 1.02 if y1 > 0 else y1)
    lo, hi = ticks[0], ticks[-1]
    first, last = min(years), max(years)
    span = max(last - first, 1)

    def px(year: int) -> float:
        return left + (year - first) / span * plot_w if last > first else left + plot_w / 2

    def py(value: float) -> float:
        return top + plot_h - (value - lo) / (hi - lo) * plot_h

    names = ", ".join(s.name for s in series) or text.none
    desc = text.line_desc.format(subtitle=subtitle, names=names, count=len(points))
    if not points:
        desc += text.line_desc_empty
    out = _open(WIDTH, height, title, desc, text)
    out.append(f'<text x="16" y="46" fill="{MUTED}" class="chart-subtitle">{esc(subtitle)}</text>')
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        ly = 66 + 20 * i
        unit = f" ({s.unit})" if s.unit else ""
        out.append(
            f'<line x1="16" y1="{ly - 4}" x2="40" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="3"/><text x="46" y="{ly}" class="legend">'
            f"{esc(s.name)}{esc(unit)}</text>"
        )
    for tick in ticks:
        ty = py(tick)
        out.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
            f'stroke="{GRID}"/><text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" '
            f'fill="{MUTED}">{esc(_tick_label(tick, text))}</text>'
        )
    step = 1 if span <= 14 else 2
    for year in range(first, last + 1, step):
        out.append(
            f'<text x="{px(year):.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'fill="{MUTED}">{year}</text>'
        )
    if threshold is not None:
        ty = py(float(threshold))
        out.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
            f'stroke="{THRESHOLD}" stroke-width="2" stroke-dasharray="6 3" class="threshold"/>'
            f'<text x="{left + plot_w - 4}" y="{ty - 5:.1f}" text-anchor="end" '
            f'fill="{THRESHOLD}" font-weight="bold">{esc(threshold_label)}</text>'
        )
    if deadline is not None:
        dx = px(deadline)
        out.append(
            f'<line x1="{dx:.1f}" y1="{top}" x2="{dx:.1f}" y2="{top + plot_h}" '
            f'stroke="{THRESHOLD}" stroke-width="1.5" stroke-dasharray="2 3" class="deadline"/>'
            f'<text x="{dx - 4:.1f}" y="{top + 12}" text-anchor="end" fill="{THRESHOLD}">'
            f"{esc(deadline_label)}</text>"
        )
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        computed = ' data-computed="true"' if s.computed else ""
        out.append(f'<g class="series" data-series="{esc(s.name)}"{computed}>')
        ordered = sorted(s.points, key=lambda p: p.year)
        segment: list[str] = []
        previous: Point | None = None
        for p in ordered:
            if previous is not None and p.year != previous.year + 1 and len(segment) > 1:
                out.append(_polyline(segment, colour, dashed=s.computed))
                segment = []
            elif previous is not None and p.year != previous.year + 1:
                segment = []
            segment.append(f"{px(p.year):.1f},{py(float(p.value)):.1f}")
            previous = p
        if len(segment) > 1:
            out.append(_polyline(segment, colour, dashed=s.computed))
        for p in ordered:
            fill = "#ffffff" if p.is_estimate or s.computed else colour
            note = text.computed if s.computed else text.estimate if p.is_estimate else ""
            tooltip = text.point_title.format(
                series=s.name, year=p.year, value=text.number(p.value_text), estimate=note
            )
            out.append(
                f'<circle cx="{px(p.year):.1f}" cy="{py(float(p.value)):.1f}" '
                f'r="{3 if s.computed else 4}" '
                f'fill="{fill}" stroke="{colour}" stroke-width="2" data-year="{p.year}" '
                f'data-value="{esc(p.value_text)}"><title>{esc(tooltip)}</title></circle>'
            )
        out.append("</g>")
    if not points:
        out.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h / 2:.0f}" text-anchor="middle" '
            f'fill="{MUTED}" font-style="italic" class="no-data">{esc(text.no_data)}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 38}" text-anchor="middle" '
        f'class="axis-label">{esc(x_label)}</text>'
        f'<text x="16" y="{top - 14}" class="axis-label">{esc(y_label)}</text>'
    )
    out.append(
        f'<text x="16" y="{legend_end}" font-size="12" fill="{MUTED}">{esc(text.marker_key)}</text>'
    )
    out += _footer(footer, top + plot_h + 62)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _polyline(points: list[str], colour: str, *, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="7 4"' if dashed else ""
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="2.5" stroke-linejoin="round"{dash}/>'
    )
