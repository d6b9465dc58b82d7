"""Yearly NATO totals: published aggregates beside the sums of the per-ally values."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from app.deps import EditionRuleDep, SessionDep
from app.errors import problem_responses
from app.formats import FormatDep, collection_response
from app.queries import totals as q
from app.queries.compliance import decimal_text
from app.schemas import EditionRuleRead
from app.schemas.analysis import PublishedTotal, TotalItem, TotalsRead

router = APIRouter(prefix="/v1", tags=["totals"])


def _number(value: Decimal | str | None) -> float | None:
    return float(value) if value is not None else None


def _text(value: Decimal | None) -> str | None:
    return decimal_text(value) if value is not None else None


def _item(total: q.GroupTotal) -> TotalItem:
    return TotalItem(
        year=total.year,
        group=total.group,
        computed_value=_number(total.value),
        computed_value_text=_text(total.value),
        computed_unit=total.unit,
        computed_allies=len(total.allies),
        computed_missing=total.missing,
        computed_editions=sorted(total.editions),
        computed_sources=sorted(total.sources),
        mixed_editions=len(total.editions) > 1,
        published=[
            PublishedTotal(
                aggregate=p.aggregate,
                indicator=p.indicator,
                value=_number(p.value),
                value_text=p.value,
                qualifier=p.qualifier,
                unit=p.unit,
                price_basis=p.basis,
                edition=p.edition,
                source=p.source,
                is_estimate=p.is_estimate,
                difference=_number(p.difference),
                difference_text=_text(p.difference),
            )
            for p in total.published
        ],
    )


@router.get(
    "/totals",
    response_model=TotalsRead,
    summary="NATO totals per year, published and computed",
    responses=problem_responses(400, 406, 422, 503),
)
def list_totals(
    session: SessionDep,
    rule: EditionRuleDep,
    fmt: FormatDep,
    year_from: Annotated[
        int, Query(alias="from", ge=1949, le=2100, description="First year.", examples=[2014])
    ] = 2014,
    year_to: Annotated[
        int, Query(alias="to", ge=1949, le=2100, description="Last year.", examples=[2024])
    ] = 2026,
    measure: Annotated[
        q.Measure,
        Query(
            description="usd_current (current prices and exchange rates) or usd_constant "
            "(constant prices: refused when editions of different base years would mix)."
        ),
    ] = q.Measure.usd_current,
) -> Response:
    """Per year: NATO total, Europe and Canada, Europe, the US and its share of the total."""
    totals = q.select_totals(
        session, year_from=year_from, year_to=year_to, measure=measure, rule=rule
    )
    body = TotalsRead(
        edition_rule=EditionRuleRead.model_validate(rule.as_dict()),
        measure=measure.value,
        items=[_item(t) for t in totals],
        total=len(totals),
    )
    return collection_response(body, fmt, filename=f"totals-{measure.value}")
