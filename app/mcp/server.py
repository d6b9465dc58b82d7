"""The MCP tools: each one the REST handler's call of a report or query, answered as the REST
answer's JSON (app/mcp/answers.py); descriptions written for a model (docs/mcp.md).

The curated set (not every route): list_allies, list_editions, get_figures, compliance,
pathways, revisions, check_claim, cite. Read-only; the transports are app/mcp/transports.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.requests import Request

from app import __version__, citation
from app.analysis.compliance import Basis
from app.analysis.editions import EditionRule, make_rule
from app.analysis.pathways import DEFAULT_BY, DEFAULT_PACE_YEARS, DEFAULT_TARGET
from app.formats import links_for
from app.mcp import arguments as a
from app.mcp.answers import GateSource, Server, answer
from app.queries import allies as allies_q
from app.queries import catalog as catalog_q
from app.queries.citation import select_citation
from app.queries.editions_rule import edition_ids
from app.queries.lookups import ally_filter
from app.queries.observations import DEFAULT_SORT
from app.reports import claims as claims_r
from app.reports import compliance as compliance_r
from app.reports import pathways as pathways_r
from app.reports import revisions as revisions_r
from app.reports.observations import FigureFilters, figures
from app.schemas import EditionRuleRead, ListOf, Schema
from app.schemas.allies import AllyRead
from app.schemas.catalog import EditionRead
from app.schemas.claims import ClaimRead
from app.schemas.compliance import ComplianceRead
from app.schemas.observations import ObservationPage, ObservationRead
from app.schemas.pathways import PathwaysRead
from app.schemas.revisions import RevisionsRead

INSTRUCTIONS = """\
Published figures of NATO's defence-expenditure reports, edition by edition (32 allies, \
2012 on). Rules every answer follows:
- Editions: NATO revises past years in every release and every figure carries its `edition`. \
`edition=YYYY-MM` pins one report; `as_of=YYYY-MM-DD` takes, per figure, the newest edition \
published by then; neither takes, per figure, the newest edition that has it (latest). Values \
are never merged, averaged or filled across editions: quote the edition with the figure.
- A missing figure is null, never 0 (Iceland has no armed forces and no figures).
- Recent years are estimates: `is_estimate` says so; say so when you quote one.
- Definitions: editions up to 2025-08 measure NATO defence expenditure; 2026-07 measures \
core defence expenditure (the 2025 Hague definition). Check `expenditure_definition` before \
comparing figures across editions.
- Figures are exact decimals as published (`value_text`); computed figures say they are \
computed and give their rule.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class CitationRead(Schema):
    """A citation as /v1/citation writes it: `text` is that answer's body, byte for byte."""

    edition: str | None = Field(description="The edition cited; null for the dataset.")
    format: citation.CitationFormat = Field(description="csl-json, bibtex or ris.")
    media_type: str = Field(description="The media type /v1/citation answers it with.")
    filename: str = Field(description="The file name /v1/citation suggests.")
    text: str = Field(description="The citation (CSL-JSON is a JSON array of one item).")


def _rule(session: Session, edition: str | None, as_of: dt.date | None) -> EditionRule:
    # As the REST edition-rule dependency (app.deps.get_edition_rule): the one check.
    return make_rule(edition=edition, as_of=as_of, known=edition_ids(session) if edition else ())


def _query(**params: object) -> list[tuple[str, str]]:
    """The REST query of the same arguments (the pages' `next` and `prev`)."""
    out = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, dt.date):
            text = value.isoformat()
        else:
            text = str(value)
        out.append((key, text))
    return out


def build_server(gate: GateSource, *, base_url: str = DEFAULT_BASE_URL) -> Server:
    """The MCP server with its eight tools; `gate` gives the database sessions (the app's
    SessionGate, read at call time), `base_url` the API's root for citations written outside
    an HTTP request (stdio)."""
    # MCPServer's constructor calls logging.basicConfig (a handler on the root logger when it
    # has none); the app configures logging itself (app/logging.py), so give it one to find.
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        server = Server(
            "nato-defence-expenditure",
            title="NATO defence expenditure",
            version=__version__,
            instructions=INSTRUCTIONS,
        )
    finally:
        root.removeHandler(placeholder)
    tool = server.tool(annotations=READ_ONLY)

    @tool
    async def list_allies() -> Annotated[CallToolResult, ListOf[AllyRead]]:
        """The 32 allies: ISO codes, names, accession date, region and currency.

        Each ally comes with its latest share of GDP (`latest_share_gdp`, null when there is
        none, never 0) with that figure's year, edition and source. Same answer as GET
        /v1/allies. Use the ISO3 codes as the `ally` argument of the other tools.
        """

        def work(session: Session) -> ListOf[AllyRead]:
            items = [AllyRead.model_validate(row) for row in allies_q.select_allies(session)]
            return ListOf[AllyRead](items=items, total=len(items))

        return await answer("list_allies", gate(), work)

    @tool
    async def list_editions() -> Annotated[CallToolResult, ListOf[EditionRead]]:
        """The report editions, oldest first: date, definition of spending and price base.

        An edition is one NATO publication (id YYYY-MM); every figure belongs to one. Each has
        its publication and cut-off dates, `constant_price_base_year` (never compare
        constant-price figures across bases), `estimate_years`, `expenditure_definition`
        (`nato_defence_expenditure` up to 2025-08, `core_defence_expenditure` from 2026-07)
        and whether its per-ally tables are NATO's own file. Same answer as GET /v1/editions.
        """

        def work(session: Session) -> ListOf[EditionRead]:
            items = [EditionRead.model_validate(row) for row in catalog_q.select_editions(session)]
            return ListOf[EditionRead](items=items, total=len(items))

        return await answer("list_editions", gate(), work)

    @tool
    async def get_figures(
        ally: a.Ally = None,
        indicator: a.Indicators = None,
        year: a.FigureYear = None,
        year_from: a.YearFrom = None,
        year_to: a.YearTo = None,
        is_estimate: Annotated[
            bool | None, Field(description="Only estimates (true) or only final figures (false).")
        ] = None,
        edition: a.Edition = None,
        as_of: a.AsOf = None,
        limit: a.Limit = 100,
        offset: a.Offset = 0,
    ) -> Annotated[CallToolResult, ObservationPage]:
        """Published per-ally figures (share of GDP, spending, equipment share...), one page.

        Filter by ally, indicator (share_gdp is defence expenditure as % of GDP), a year or a
        range (year_from, year_to). Each item is one figure exactly as published: `value_text`
        (exact decimal; `value` is the same as a number), `unit`, `edition`, `is_estimate`,
        `source` and `expenditure_definition`; a missing figure is null, never 0. The edition
        rule (`edition`, `as_of`, or latest per figure) is in `edition_rule`. At most `limit`
        items (default 100): when `next` is not null, call again with offset = offset + limit
        (`next` and `prev` are the same pages' URLs in the REST API, GET /v1/observations).
        """
        filters = FigureFilters(
            [indicator] if indicator else None,
            year,
            year_from,
            year_to,
            is_estimate,
            DEFAULT_SORT,
            limit,
            offset,
        )
        query = _query(
            ally=ally,
            indicator=indicator,
            year=year,
            **{"from": year_from, "to": year_to},
            is_estimate=is_estimate,
            edition=edition,
            as_of=as_of,
            limit=limit,
        )

        def work(session: Session) -> ObservationPage:
            rule = _rule(session, edition, as_of)
            codes = ally_filter(session, [ally] if ally else None)
            rows, total = figures(session, rule=rule, allies=codes, filters=filters, limit=limit)
            links = links_for("/v1/observations", query, offset=offset, limit=limit, total=total)
            return ObservationPage(
                items=[ObservationRead.model_validate(row) for row in rows],
                total=total,
                limit=limit,
                offset=offset,
                next=links["next"],
                prev=links["prev"],
                edition_rule=EditionRuleRead.from_rule(rule),
            )

        return await answer("get_figures", gate(), work)

    @tool
    async def compliance(
        year: a.Year,
        indicator: a.Indicator = "share_gdp",
        threshold: a.Threshold = None,
        basis: a.BasisArgument = Basis.full_precision,
        edition: a.Edition = None,
        as_of: a.AsOf = None,
    ) -> Annotated[CallToolResult, ComplianceRead]:
        """Which allies meet a threshold in one year (default: 2% of GDP), under an edition rule.

        Every ally's figure against the threshold (a value equal to it meets it): `meets`,
        `below` or `no_data` (no figure: never counted as 0), the gap, the figure's edition and
        `is_estimate`, with counts in `summary` and the rule applied (`rule`, computed from
        the published figures; NATO's own published count where there is one). Pin `edition`
        (e.g. 2025-04) to answer as one report did. Same answer as GET /v1/compliance.
        """

        def work(session: Session) -> ComplianceRead:
            rule = _rule(session, edition, as_of)
            result = compliance_r.compliance(
                session, year=year, indicator=indicator, threshold=threshold, basis=basis, rule=rule
            )
            return ComplianceRead.from_result(result)

        return await answer("compliance", gate(), work)

    @tool
    async def pathways(
        target: a.Target = DEFAULT_TARGET,
        by: a.By = DEFAULT_BY,
        pace_years: a.PaceYears = DEFAULT_PACE_YEARS,
        ally: a.Ally = None,
        edition: a.Edition = None,
        as_of: a.AsOf = None,
    ) -> Annotated[CallToolResult, PathwaysRead]:
        """Each ally's path to a share-of-GDP target by a deadline (default 3.5% by 2035).

        Per ally: the newest share of GDP (its year, edition, estimate flag and definition),
        the shortfall, the required yearly increase, the current pace over `pace_years` inside
        that figure's edition, a status and the projected year; all computed in exact decimals
        from published figures, with the rule in `rule` and counts per status in `summary`.
        The 3.5% target is measured against core defence expenditure (2026-07 and later
        editions). Same answer as GET /v1/pathways.
        """

        def work(session: Session) -> PathwaysRead:
            rule = _rule(session, edition, as_of)
            result = pathways_r.pathways(
                session,
                target=target,
                by=by,
                pace_years=pace_years,
                allies=[ally] if ally else None,
                rule=rule,
            )
            return PathwaysRead.from_result(result)

        return await answer("pathways", gate(), work)

    @tool
    async def revisions(
        indicator: a.Indicator,
        year: a.Year,
        ally: a.OneAlly = None,
        aggregate: a.Aggregate = None,
    ) -> Annotated[CallToolResult, RevisionsRead]:
        """One figure (an ally's or an aggregate's) across every edition that published it.

        In publication order, each edition's value as published, whether it was an estimate,
        its definition and the change from the previous edition (computed, exact). Use it to
        see how NATO revised a year's estimate, or before comparing two editions' figures.
        Same answer as GET /v1/revisions.
        """

        def work(session: Session) -> RevisionsRead:
            chain = revisions_r.revision_chain(
                session, ally=ally, aggregate=aggregate, indicator=indicator, year=year
            )
            return RevisionsRead.from_chain(chain)

        return await answer("revisions", gate(), work)

    @tool
    async def check_claim(
        year: a.Year,
        indicator: a.Indicator = "share_gdp",
        ally: a.OneAlly = None,
        value: a.ClaimedValue = None,
        count: a.ClaimedCount = None,
        threshold: a.ClaimThreshold = Decimal("2"),
        basis: a.BasisArgument = Basis.full_precision,
    ) -> Annotated[CallToolResult, ClaimRead]:
        """Check a claimed figure or count against every edition: supported or contradicted.

        A value claim (`ally` + `value`, e.g. USA 2024 share_gdp "3.19") matches an edition
        when that edition's figure, rounded half up to the claim's decimals, equals it. A count
        claim (`count`, e.g. 23 allies at or above `threshold` 2 in 2024) matches when the
        edition's figures give exactly that many. Each edition's verdict comes with its figure,
        definition and date; `supported_by` and `contradicted_by` list the editions. Same
        answer as GET /v1/claims/check.
        """

        def work(session: Session) -> ClaimRead:
            result = claims_r.check_claim(
                session,
                indicator=indicator,
                year=year,
                ally=ally,
                value=value,
                count=count,
                threshold=threshold,
                basis=basis,
            )
            return ClaimRead.from_result(result)

        return await answer("check_claim", gate(), work)

    @tool
    async def cite(
        ctx: Context,
        edition: a.CitedEdition = None,
        format: a.CiteFormat = citation.CitationFormat.csl_json,
    ) -> Annotated[CallToolResult, CitationRead]:
        """How to cite an edition (NATO's publication) or this dataset: CSL-JSON, BibTeX or RIS.

        The figures are NATO's: cite the edition a figure comes from (title, publisher, date,
        NATO's official URL where there is one) with this dataset's version. `text` is exactly
        what GET /v1/citation answers.
        """
        request = ctx.request_context.request
        root = str(request.base_url) if isinstance(request, Request) else base_url

        def work(session: Session) -> CitationRead:
            cited = select_citation(session, edition=edition)
            body, media_type, filename = citation.render(cited, format, base_url=root)
            return CitationRead(
                edition=edition,
                format=format,
                media_type=media_type,
                filename=filename,
                text=body.decode(),
            )

        return await answer("cite", gate(), work)

    return server
