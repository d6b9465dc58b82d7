"""The SVG of every ally's road to a target: per ally, the required yearly increase (a bar) and
the current pace (a dot), grouped by status. Pure drawing from decided pathways."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.charts.svg import (
    BELOW,
    GRID,
    LEGEND_CHAR_WIDTH,
    MEETS,
    MUTED,
    WIDTH,
    _footer,
    _open,
    _tick_label,
    display_value,
    esc,
    nice_ticks,
    wrap_lines,
)
from app.charts.text import EN, ChartText

REQUIRED = "#8c8c8c"
# Off track first: the rows a reader looks for; then by the increase they need.
ORDER = ("off_track", "insufficient_data", "on_track", "met", "no_data")
DOT = {"off_track": BELOW, "on_track": MEETS, "met": MEETS, "insufficient_data": MUTED}


@dataclass(frozen=True)
class PathwayRow:
    """One ally as the chart draws it; `required` None means no figure (no data)."""

    code: str
    label: str
    status: str
    value_text: str | None = None
    year: int | None = None
    edition: str | None = None
    required_text: str | None = None
    pace_text: str | None = None

    @property
    def required(self) -> Decimal | None:
        return None if self.required_text is None else Decimal(self.required_text)

    @property
    def pace(self) -> Decimal | None:
        return None if self.pace_text is None else Decimal(self.pace_text)


def _key(row: PathwayRow) -> tuple[int, Decimal, str]:
    return (ORDER.index(row.status), -(row.required or Decimal(0)), row.label)


def pathway_rows(
    rows: Sequence[PathwayRow],
    *,
    title: str,
    subtitle: str,
    footer: Sequence[str],
    text: ChartText = EN,
) -> str:
    """A row per ally: required increase a year (bar from 0) and current pace (dot)."""
    ordered = sorted(rows, key=_key)
    footer = wrap_lines(footer)
    left, right, top, row_h = 170, 130, 92, 20
    plot_w = WIDTH - left - right
    plot_h = max(len(ordered), 1) * row_h
    height = top + plot_h + 52 + 16 * len(footer) + 8
    values = [float(v) for r in ordered for v in (r.required, r.pace) if v is not None]
    ticks = nice_ticks(min([*values, 0.0]), max([*values, 0.1]) * 1.05)
    lo, hi = ticks[0], ticks[-1]

    def x(value: float) -> float:
        return left + (value - lo) / (hi - lo) * plot_w

    counts = {status: sum(r.status == status for r in ordered) for status in ORDER}
    out = _open(WIDTH, height, title, text.pathways_desc.format(subtitle=subtitle, **counts), text)
    out.append(f'<text x="16" y="46" fill="{MUTED}" class="chart-subtitle">{esc(subtitle)}</text>')
    lx = 16.0
    out.append(f'<rect x="{lx:.0f}" y="58" width="12" height="12" fill="{REQUIRED}"/>')
    lx += 18
    out.append(f'<text x="{lx:.0f}" y="68">{esc(text.pathways_required_key)}</text>')
    lx += LEGEND_CHAR_WIDTH * len(text.pathways_required_key) + 24
    out.append(f'<circle cx="{lx + 6:.0f}" cy="64" r="5" fill="{BELOW}"/>')
    out.append(f'<circle cx="{lx + 20:.0f}" cy="64" r="5" fill="{MEETS}"/>')
    lx += 32
    out.append(f'<text x="{lx:.0f}" y="68">{esc(text.pathways_pace_key)}</text>')
    for tick in ticks:
        tx = x(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{top}" x2="{tx:.1f}" y2="{top + plot_h}" stroke="{GRID}"/>'
            f'<text x="{tx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{esc(_tick_label(tick, text))}</text>"
        )
    for i, row in enumerate(ordered):
        y = top + i * row_h
        cy = y + row_h / 2 + 4
        status = text.statuses.get(row.status, row.status)
        out.append(
            f'<g class="pathway" data-ally="{esc(row.code)}" data-status="{esc(row.status)}"'
            + (f' data-required="{esc(row.required_text)}"' if row.required_text else "")
            + (f' data-pace="{esc(row.pace_text)}"' if row.pace_text else "")
            + ">"
        )
        out.append(f'<text x="{left - 8}" y="{cy:.1f}" text-anchor="end">{esc(row.label)}</text>')
        if row.required is None or row.value_text is None:
            out.append(
                f"<title>{esc(text.no_data_title.format(label=row.label))}</title>"
                f'<text x="{x(0) + 6:.1f}" y="{cy:.1f}" fill="{MUTED}" font-style="italic" '
                f'class="no-data">{esc(text.no_data)}</text></g>'
            )
            continue
        pace = row.pace
        tooltip = text.pathways_row_title.format(
            label=row.label,
            status=status,
            value=text.number(row.value_text),
            year=row.year,
            edition=row.edition or "?",
            required=text.number(display_value(str(row.required))),
            pace=text.number(display_value(str(pace))) if pace is not None else text.no_pace,
        )
        x0, x1 = sorted((x(0), x(float(row.required))))
        out.append(
            f"<title>{esc(tooltip)}</title>"
            f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 10}" '
            f'fill="{REQUIRED}" class="required"/>'
        )
        if pace is not None:
            out.append(
                f'<circle cx="{x(float(pace)):.1f}" cy="{y + row_h / 2:.1f}" r="5" '
                f'fill="{DOT.get(row.status, MUTED)}" stroke="#ffffff" stroke-width="1" '
                'class="pace"/>'
            )
        out.append(
            f'<text x="{left + plot_w + 8}" y="{cy:.1f}" fill="{MUTED}" class="status">'
            f"{esc(status)}</text></g>"
        )
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 36}" text-anchor="middle" '
        f'class="axis-label">{esc(text.pathways_axis)}</text>'
    )
    out += _footer(footer, top + plot_h + 60)
    out.append("</svg>")
    return "\n".join(out) + "\n"
