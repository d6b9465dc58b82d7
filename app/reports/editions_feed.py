"""What each edition changed against the one before it, for the editions feed: the editions
and figures from queries/, the comparison from analysis/edition_changes.py (the same one
`nato-api import-workbook` prints)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.analysis.edition_changes import Common, EditionChanges, EditionFigures, compare
from app.queries import edition_changes as q
from app.reports.revisions import constant_indicators


def edition_changes(session: Session) -> list[EditionChanges]:
    """Every edition, newest first, against the newest older edition with per-ally figures."""
    shares: dict[str, dict[tuple[str, int], str]] = {}
    for row in q.select_shares(session):
        shares.setdefault(row.edition_id, {})[(row.ally_iso3, row.year)] = row.value
    editions = [
        EditionFigures(
            row.id,
            row.title,
            row.published_on,
            row.expenditure_definition,
            row.constant_price_base_year,
            shares.get(row.id, {}),
            has_figures=bool(row.has_figures),
        )
        for row in q.select_editions(session)
    ]
    previous: dict[str, EditionFigures | None] = {}
    before: EditionFigures | None = None
    for edition in editions:
        previous[edition.id] = before
        if edition.has_figures:
            before = edition
    pairs = [(e.id, p.id) for e in editions if (p := previous[e.id]) is not None]
    common: dict[str, dict[tuple[str, str, int], Common]] = {}
    for row in q.select_common(session, pairs):
        # Two sources of one figure in one edition: the first by source id, as elsewhere.
        key = (row.indicator_id, row.ally_iso3, row.year)
        common.setdefault(row.edition_id, {}).setdefault(key, (*key, row.before, row.after))
    constant = constant_indicators(session)
    return [
        compare(
            edition,
            previous[edition.id],
            common=common.get(edition.id, {}).values(),
            constant_indicators=constant,
        )
        for edition in reversed(editions)
    ]
