"""How one figure was revised edition by edition, and what changed between two editions: rows
from queries/revisions.py, changes and flips from analysis/revisions.py."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from app.analysis.compliance import Basis
from app.analysis.editions import check_edition
from app.analysis.revisions import (
    ChangeSet,
    RevisionChain,
    RevisionRow,
    check_edition_pair,
    check_subject,
    compare_editions,
    constant_price_indicators,
    flip_rule,
    revisions,
)
from app.errors import Unprocessable
from app.queries import revisions as q
from app.queries.editions_rule import edition_ids
from app.queries.lookups import indicator_filter, select_ally_names, single_ally


def revision_chain(
    session: Session,
    *,
    ally: str | None,
    aggregate: str | None,
    indicator: str,
    year: int,
) -> RevisionChain:
    """One figure across every edition that has it, oldest edition first."""
    check_subject(ally, aggregate)
    indicator_filter(session, [indicator])
    name: str | None = None
    iso3: str | None = None
    if ally is not None:
        iso3 = single_ally(session, ally)
        name = q.select_ally_name(session, iso3)
    else:
        codes = q.select_aggregate_codes(session)
        if aggregate not in codes:
            raise Unprocessable(
                f"aggregate: {aggregate!r} is not an aggregate. Known: {', '.join(codes)}.",
                errors=[{"parameter": "aggregate", "in": "query", "message": "unknown"}],
            )
    rows = q.select_chain(session, iso3=iso3, aggregate=aggregate, indicator=indicator, year=year)
    constant = indicator in constant_indicators(session)
    chain = revisions(
        [RevisionRow(*row) for row in rows], indicator=indicator, constant_prices=constant
    )
    return RevisionChain(iso3, aggregate, name, indicator, year, chain)


def changes(
    session: Session,
    *,
    from_edition: str,
    to_edition: str,
    indicator: str | None,
    year: int | None,
    threshold: Decimal | None,
    basis: Basis,
) -> ChangeSet:
    """Every per-ally figure whose value differs between two editions, largest change first."""
    check_edition(from_edition, edition_ids(session), "from_edition")
    check_edition(to_edition, edition_ids(session), "to_edition")
    check_edition_pair(from_edition, to_edition)
    if indicator is not None:
        indicator_filter(session, [indicator])
    definitions = q.select_definitions_of(session, (from_edition, to_edition))
    rows = q.select_changes(
        session, from_edition=from_edition, to_edition=to_edition, indicator=indicator, year=year
    )
    return compare_editions(
        rows,
        select_ally_names(session),
        from_edition=from_edition,
        to_edition=to_edition,
        definitions=definitions,
        rule=flip_rule(indicator, threshold, basis),
        price_bases=q.select_price_bases_of(session, (from_edition, to_edition)),
        constant_indicators=constant_indicators(session),
    )


def constant_indicators(session: Session) -> frozenset[str]:
    """Indicators whose unit says constant prices (their level depends on the base year)."""
    return constant_price_indicators(q.select_indicator_units(session))
