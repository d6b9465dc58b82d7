"""How figures were revised across editions, and what changed between two editions."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import Limit, Offset, SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_response, link_header, page_links
from app.queries import revisions as q
from app.queries.compliance import Basis, decimal_text, published_value, rule_text
from app.schemas.analysis import (
    ChangeItem,
    ChangesRead,
    ComplianceRule,
    FlipItem,
    RevisionItem,
    RevisionsRead,
)

router = APIRouter(prefix="/v1", tags=["revisions"])

EDITION = r"^\d{4}-\d{2}$"


def _text(value: Decimal | None) -> str | None:
    return decimal_text(value) if value is not None else None


@router.get(
    "/revisions",
    response_model=RevisionsRead,
    summary="One figure across every edition",
    responses=problem_responses(400, 406, 422, 503),
)
def list_revisions(
    session: SessionDep,
    fmt: FormatDep,
    indicator: Annotated[
        str, Query(max_length=60, description="Indicator id.", examples=["share_gdp"])
    ],
    year: Annotated[int, Query(ge=1949, le=2100, description="Year.", examples=[2024])],
    ally: Annotated[
        str | None, Query(max_length=3, description="Ally ISO3 or ISO2.", examples=["USA"])
    ] = None,
    aggregate: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Instead of an ally: NATO_TOTAL, NATO_EUROPE_CANADA, NATO_EUROPE, "
            "USA_SHARE_OF_NATO or ALLIES.",
            examples=["NATO_EUROPE_CANADA"],
        ),
    ] = None,
) -> Response:
    """The figure in publication order, with the change from the previous edition."""
    chain = q.select_revisions(
        session, ally=ally, aggregate=aggregate, indicator=indicator, year=year
    )
    items = [
        RevisionItem(
            edition=r.edition,
            published_on=r.published_on,
            expenditure_definition=r.definition,
            definition_changed=r.definition_changed,
            value=float(r.value) if r.value is not None else None,
            value_text=r.value,
            value_published=_text(published_value(Decimal(r.value))) if r.value else None,
            qualifier=r.qualifier,
            unit=r.unit,
            source=r.source,
            is_estimate=r.is_estimate,
            change=float(r.change) if r.change is not None else None,
            change_text=_text(r.change),
            change_published=_text(r.change_published),
            sources_in_edition=r.sources_in_edition,
        )
        for r in chain.items
    ]
    body = RevisionsRead(
        ally=chain.ally,
        aggregate=chain.aggregate,
        name=chain.name,
        indicator=indicator,
        year=year,
        items=items,
        total=len(items),
    )
    who = chain.ally or chain.aggregate
    return collection_response(body, fmt, filename=f"revisions-{who}-{indicator}-{year}")


@router.get(
    "/revisions/changes",
    response_model=ChangesRead,
    summary="Every figure that changed between two editions",
    responses=problem_responses(400, 406, 422, 503),
)
def list_revision_changes(
    request: Request,
    session: SessionDep,
    fmt: FormatDep,
    from_edition: Annotated[
        str, Query(pattern=EDITION, description="Older edition.", examples=["2024-06"])
    ],
    to_edition: Annotated[
        str, Query(pattern=EDITION, description="Newer edition.", examples=["2025-04"])
    ],
    indicator: Annotated[
        str | None, Query(max_length=60, description="Indicator id.", examples=["share_gdp"])
    ] = None,
    year: Annotated[int | None, Query(ge=1949, le=2100, examples=[2024])] = None,
    threshold: Annotated[
        Decimal | None,
        Query(
            ge=-100,
            le=100,
            description="Threshold for `flips` (default: 2.0 for share_gdp, 20 for "
            "equipment_share).",
        ),
    ] = None,
    basis: Annotated[Basis, Query(description="Comparison basis for `flips`.")] = (
        Basis.full_precision
    ),
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Figures present in both editions whose values differ, largest change first, and the
    allies whose status against the threshold flipped."""
    result = q.select_changes(
        session,
        from_edition=from_edition,
        to_edition=to_edition,
        indicator=indicator,
        year=year,
        threshold=threshold,
        basis=basis,
    )
    total = len(result.changes)
    links = page_links(request, offset=offset, limit=limit, total=total)
    rule = None
    if result.flip_indicator is not None and result.threshold is not None:
        rule = ComplianceRule(
            indicator=result.flip_indicator,
            threshold=float(result.threshold),
            basis=basis.value,
            comparison="value >= threshold",
            description=rule_text(result.flip_indicator, result.threshold, basis),
        )
    body = ChangesRead(
        from_edition=from_edition,
        to_edition=to_edition,
        definition_changed=result.from_definition != result.to_definition,
        from_definition=result.from_definition,
        to_definition=result.to_definition,
        compliance_rule=rule,
        flips=[
            FlipItem(
                ally=f.ally,
                name=f.name,
                year=f.year,
                from_value_text=f.from_value,
                to_value_text=f.to_value,
                from_meets=f.from_meets,
                to_meets=f.to_meets,
            )
            for f in result.flips
        ],
        items=[
            ChangeItem(
                ally=c.ally,
                name=c.name,
                indicator=c.indicator,
                year=c.year,
                from_value=float(c.from_value),
                from_value_text=c.from_value,
                from_source=c.from_source,
                to_value=float(c.to_value),
                to_value_text=c.to_value,
                to_source=c.to_source,
                change=float(c.change),
                change_text=decimal_text(c.change),
            )
            for c in result.changes[offset : offset + limit]
        ],
        total=total,
        limit=limit,
        offset=offset,
        **links,
    )
    return collection_response(
        body,
        fmt,
        filename=f"changes-{from_edition}-{to_edition}",
        headers=link_header(links),
    )
