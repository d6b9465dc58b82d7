"""What an import adds, against the previous edition: revisions and allies crossing 2% and 3.5%."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from seed.workbook.reader import Figure, Workbook
from seed.workbook.rules import CONSTANT_PRICES, DEFINITIONS

if TYPE_CHECKING:  # edition.py builds the summary with this module
    from seed.workbook.edition import EditionInfo

THRESHOLDS = (Decimal("2"), Decimal("3.5"))


def _printed(value: str) -> Decimal:
    """The value as NATO prints it (2 decimals, half up), as the compliance rules count."""
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def summarize(
    book: Workbook, info: EditionInfo, current: dict[str, list[dict[str, Any]]], *, replaced: bool
) -> list[str]:
    figures = book.figures
    allies = sorted({f.code for f in figures if not f.is_aggregate})
    years = sorted({f.year for f in figures})
    lines = [
        f"{'replace' if replaced else 'new'} edition {info.id} from {book.name} "
        f"(sha256 {book.sha256[:12]}): {DEFINITIONS[book.core]}, {book.base_year} prices, "
        f"estimates {' '.join(map(str, book.estimate_years)) or 'none'}",
        f"figures: {sum(not f.is_aggregate for f in figures)} per ally, "
        f"{sum(f.is_aggregate for f in figures)} aggregates; {len(allies)} allies "
        f"({' '.join(allies)}); years {years[0]}-{years[-1]}",
    ]
    lines.append("figures per table (allies and aggregates):")
    for table, counts in book.tables.items():
        parts = ", ".join(f"{ind} {n}" for ind, n in counts.items())
        lines.append(f"  {table}: {parts}")
    lines.extend(_against_previous(book, info, current))
    return lines


def _against_previous(
    book: Workbook, info: EditionInfo, current: dict[str, list[dict[str, Any]]]
) -> list[str]:
    editions = {e["id"]: e for e in current["editions.csv"]}
    with_figures = {o["edition"] for o in current["observations.csv"]}
    earlier = [
        e
        for e in editions.values()
        if e["id"] != info.id and e["id"] in with_figures and e["published_on"] < info.published_on
    ]
    if not earlier:
        return ["against the previous edition: none is older"]
    previous = max(earlier, key=lambda e: e["published_on"])
    prev_id = previous["id"]
    comparable_base = previous["constant_price_base_year"] == book.base_year
    old: dict[tuple[str, str, int], str] = {
        (o["indicator"], o["ally_iso3"], o["year"]): o["value"]
        for o in current["observations.csv"]
        if o["edition"] == prev_id
    }
    revised: list[tuple[Decimal, Figure, str]] = []
    common = 0
    for figure in book.figures:
        before = old.get(figure.key)
        if figure.is_aggregate or before is None:
            continue
        if not comparable_base and figure.indicator in CONSTANT_PRICES:
            continue  # constant prices of two base years are not comparable
        common += 1
        if Decimal(before) != Decimal(figure.value):
            revised.append((Decimal(figure.value) - Decimal(before), figure, before))
    lines = [
        f"against {prev_id} ({previous['title']}): {len(revised)} of {common} common per-ally "
        "figures revised"
        + ("" if comparable_base else " (constant-price figures left out: another base year)")
        + (
            "; definition changed"
            if DEFINITIONS[book.core] != previous["expenditure_definition"]
            else ""
        )
    ]
    shares = sorted((r for r in revised if r[1].indicator == "share_gdp"), key=lambda r: -abs(r[0]))
    for delta, figure, before in shares[:5]:
        lines.append(
            f"  largest share_gdp revision: {figure.code} {figure.year} {before} -> "
            f"{figure.value} ({delta:+.2f} pp)"
        )
    lines.extend(_crossings(book, old, prev_id))
    return lines


def _crossings(book: Workbook, old: dict[tuple[str, str, int], str], prev_id: str) -> list[str]:
    shares = {f.code: f for f in book.figures if f.indicator == "share_gdp" and not f.is_aggregate}
    if not shares:
        return []
    latest = max(f.year for f in shares.values())
    now = {code: _printed(f.value) for code, f in shares.items() if f.year == latest}
    year_before = {
        f.code: _printed(f.value)
        for f in book.figures
        if f.indicator == "share_gdp" and not f.is_aggregate and f.year == latest - 1
    }
    then = {
        code: _printed(value)
        for (ind, code, year), value in old.items()
        if ind == "share_gdp" and year == latest
    }
    lines = []
    for threshold in THRESHOLDS:
        at = sorted(c for c, v in now.items() if v >= threshold)
        lines.append(f"at or above {threshold}% in {latest}: {len(at)} of {len(now)} allies")
        for label, base in ((f"{prev_id}'s {latest}", then), (f"{latest - 1}", year_before)):
            if not base:
                continue
            up = sorted(c for c in at if c in base and base[c] < threshold)
            down = sorted(c for c, v in now.items() if v < threshold <= base.get(c, Decimal(-1)))
            lines.append(
                f"  crossing against {label}: up {' '.join(up) or '-'}; "
                f"down {' '.join(down) or '-'}"
            )
    return lines
