"""What an import adds, against the previous edition: revisions, allies crossing 2% and 3.5%
and the pathway statuses (the comparison itself is app/analysis/edition_changes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.analysis.edition_changes import EditionFigures, common_figures, compare, shares_of
from seed.workbook.reader import Workbook
from seed.workbook.rules import CONSTANT_PRICES, DEFINITIONS

if TYPE_CHECKING:  # edition.py builds the summary with this module
    from seed.workbook.edition import EditionInfo


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
    """The lines /v1/editions.atom also writes (app/analysis/edition_changes.py)."""
    editions = {e["id"]: e for e in current["editions.csv"]}
    with_figures = {o["edition"] for o in current["observations.csv"]}
    earlier = [
        e
        for e in editions.values()
        if e["id"] != info.id and e["id"] in with_figures and e["published_on"] < info.published_on
    ]
    figures = {f.key: f.value for f in book.figures if not f.is_aggregate}
    new = EditionFigures(
        info.id,
        info.title,
        info.published_on,
        DEFINITIONS[book.core],
        book.base_year,
        shares_of(figures),
    )
    if not earlier:
        return compare(new, None, common=[], constant_indicators=CONSTANT_PRICES).lines()
    row = max(earlier, key=lambda e: e["published_on"])
    old = {
        (o["indicator"], o["ally_iso3"], o["year"]): o["value"]
        for o in current["observations.csv"]
        if o["edition"] == row["id"]
    }
    previous = EditionFigures(
        row["id"],
        row["title"],
        row["published_on"],
        row["expenditure_definition"],
        row["constant_price_base_year"],
        shares_of(old),
    )
    common = common_figures(figures, old)
    return compare(new, previous, common=common, constant_indicators=CONSTANT_PRICES).lines()
