"""What each edition changed against the one before it, for the editions feed: the editions
and figures from queries/, the comparison from analysis/edition_changes.py (the same one
`nato-api import-workbook` prints)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.analysis.edition_changes import EditionChanges, EditionFigures, compare
from app.queries import edition_changes as q
from app.reports.revisions import constant_indicators


def edition_changes(session: Session) -> list[EditionChanges]:
    """Every edition, newest first, against the newest older edition with per-ally figures."""
    figures: dict[str, dict[tuple[str, str, int], str]] = {}
    for row in q.select_figures(session):
        # Two sources of one figure in one edition: the first by source id, as elsewhere.
        key = (row.indicator_id, row.ally_iso3, row.year)
        figures.setdefault(row.edition_id, {}).setdefault(key, row.value)
    constant = constant_indicators(session)
    out: list[EditionChanges] = []
    previous: EditionFigures | None = None
    for row in q.select_editions(session):
        edition = EditionFigures(
            row.id,
            row.title,
            row.published_on,
            row.expenditure_definition,
            row.constant_price_base_year,
            figures.get(row.id, {}),
        )
        out.append(compare(edition, previous, constant_indicators=constant))
        if edition.figures:
            previous = edition
    return out[::-1]
