"""FastAPI's own floor on the distinct query (issue 22): what the framework costs, alone.

The same route as the API's `/v1/observations` as FastAPI sees it: the API's own parameter
declarations (`app.figures.figure_filters`, the `format` dependency, `edition`, `as_of` and
`ally` as the API declares them, in three dependencies as there), and behind them the floor's
SQL with the sqlite3 module and orjson (bench/floor.py). No middleware, no edge, no session
gate, no SQLAlchemy, no access log: between this and the floor there is only FastAPI and
uvicorn's handling of a FastAPI app, so the API can never be faster than this on the same
query while FastAPI resolves its parameters (bench/floor_run.py prints the three side by side).

    FLOOR_DATABASE=/path/to.sqlite uvicorn bench.framework_floor:app
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Query
from starlette.responses import Response

from app.analysis.editions import EDITION_PATTERN, EditionRule, make_rule
from app.deps import IsoDate
from app.figures import FigureFiltersDep
from app.formats import FormatDep
from app.reports.observations import FigureFilters
from bench import floor

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


async def edition_rule(
    edition: Annotated[str | None, Query(pattern=EDITION_PATTERN)] = None,
    as_of: Annotated[IsoDate | None, Query()] = None,
) -> EditionRule:
    """The API's edition parameters; no edition is checked against the database here."""
    return make_rule(edition=edition, as_of=as_of, known=())


@app.get("/v1/observations")
async def observations(
    rule: Annotated[EditionRule, Depends(edition_rule)],
    filters: FigureFiltersDep,
    fmt: FormatDep,
    ally: Annotated[list[str] | None, Query()] = None,
) -> Response:
    page = _page(ally or ["POL"], filters)
    return Response(page, media_type="application/json")


def _page(ally: list[str], filters: FigureFilters) -> bytes:
    return floor.page(ally[0], filters.year or 2024, filters.limit, filters.offset)


@app.get("/readyz")
async def ready() -> Response:
    return Response(b'{"status":"ready"}', media_type="application/json")
