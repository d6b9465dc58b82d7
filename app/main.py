"""create_app(settings) -> FastAPI: lifespan opens the engine; routers, handlers, docs."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.utils import format_datetime
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from app import __version__
from app.citation import OFFERS as CITATION_OFFERS
from app.config import Settings, get_settings
from app.db import POOL_CAPACITY, make_engine, make_sessionmaker, renewable, sqlite_path
from app.deps import RequestChecksDep, SessionGate
from app.edge.cache import ResponseCache
from app.edge.cors import Cors
from app.edge.front import FrontDoor
from app.edge.guards import Limits
from app.edge.metrics import Metrics
from app.edge.security import SecurityHeaders, html_csp
from app.errors import install_error_handlers, problem_responses
from app.formats.registry import FORMATS
from app.logging import access_logger, configure_logging
from app.mcp.server import build_server
from app.mcp.transports import MCP_PATH, http_route
from app.models import DatasetVersion, dataset_version, newest_dataset
from app.openapi import install_openapi
from app.routers import (
    allies,
    charts,
    citation,
    claims,
    compliance,
    dashboard,
    editions,
    export,
    health,
    indicators,
    meta,
    metrics,
    observations,
    pathways,
    quotes,
    revisions,
    sources,
    totals,
)
from app.whole_answers import WholeAnswerGate

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
# Every representation a route negotiates from Accept: the response cache keys on the part
# of Accept that meets one of them (app.edge.keys.AcceptKey).
OFFERS = (*(spec.offer for spec in FORMATS.values()), *CITATION_OFFERS, editions.ATOM, charts.SVG)
# The routes whose answers write absolute URLs (app.edge.guards.base_url): cached per Host.
HOST_PATHS = ("/v1/citation",)

DESCRIPTION = """
Published figures of NATO's defence-expenditure reports and the Secretary General's Annual
Report 2024, edition by edition: 32 allies, 2012-2026.

**Editions.** NATO revises past years in every release. Every figure carries its `edition`.
`edition=ID` pins one edition; `as_of=YYYY-MM-DD` takes, for each figure, the newest edition
published on or before that date; neither means *latest*: for each (ally, indicator, year) the
value of the newest edition that has it. Values are never merged, averaged or filled across
editions. The July 2026 edition measures *core* defence expenditure (a new definition): check
`expenditure_definition` before comparing it with earlier editions.

**Missing is null, never 0.** Iceland has no armed forces and no expenditure figures.

**Formats.** Collections answer JSON (one page), or CSV, NDJSON or xlsx holding every
matching item unless `limit` or `offset` is given (`?format=csv|ndjson|xlsx`, the `Accept`
type, or the one-format twins `/v1/observations.csv`, `.ndjson`, `.xlsx`), with
`X-Total-Count`. Every answer has an ETag and Last-Modified (304 on `If-None-Match` or
`If-Modified-Since`) and answers one byte `Range`. Errors are `application/problem+json`
(RFC 9457).
"""


class StartupError(RuntimeError):
    """The database cannot serve: missing, corrupt, not migrated or not seeded."""


def _operation_id(route: APIRoute) -> str:
    # Stable operation ids: the handler's name (list_allies, get_ally, ...).
    return route.name


def open_database(settings: Settings) -> tuple[Engine, str | None]:
    """Open the read-only engine and read the dataset version, or raise a StartupError that
    says in one line what is wrong (missing, corrupt, unreachable, not migrated)."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.is_file():
        raise StartupError(
            f"Database file {path} does not exist: run `nato-api migrate` and `nato-api seed` "
            "(or `make run`)."
        )
    engine = make_engine(
        settings.database_url, read_only=True, pool_recycle=settings.database_pool_recycle
    )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            version = dataset_version(conn)
    except Exception as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        first_line = str(reason).strip().splitlines()[0] if str(reason).strip() else ""
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        raise StartupError(
            f"Cannot read the database at {where}: "
            f"{type(reason).__name__}: {first_line}. "
            "Is it reachable, a valid database, and migrated (`nato-api migrate`)?"
        ) from exc
    return engine, version


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine, version = open_database(settings)
    app.state.engine = engine
    app.state.renew_connections = renewable(engine)
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.sessions = SessionGate(
        app.state.sessionmaker, POOL_CAPACITY, settings.db_wait_seconds
    )
    app.state.whole_answers = WholeAnswerGate(
        settings.max_whole_answers, settings.whole_answer_wait_seconds
    )
    app.state.metrics.dataset_version = version
    # What exists now (modules, routes, schemas, the engine) lives as long as the process:
    # keep it out of the cyclic collector, so that a full collection scans only what requests
    # allocate. Without this, a full pass over ~110k start-up objects stalled one request in
    # a hundred by ~30 ms (the uncached p99). Unfrozen on shutdown, so it can be collected.
    gc.freeze()
    try:
        # The MCP endpoint's session manager (stateless: it holds no session between calls).
        async with app.state.mcp.session_manager.run():
            yield
    finally:
        gc.unfreeze()
        engine.dispose()


def _version_reader(
    app: FastAPI,
) -> tuple[Callable[[], str | None], Callable[[str], bytes | None]]:
    """The response cache's dataset-version reader, through the lifespan's session factory,
    and the Last-Modified of a version read (when it was loaded, an HTTP date).

    A new version (a re-seed, or a database restored in place) also renews the pool's
    connections (app.db.renewable): new ones open on what is there now (SQLite files are
    also followed by their identity, app.db)."""
    seen: list[str | None] = [None]
    loaded: dict[str, bytes] = {}

    def read() -> str | None:
        factory = getattr(app.state, "sessionmaker", None)
        if factory is None:  # lifespan not started yet
            return None
        with factory() as session:
            stamp = session.execute(
                newest_dataset(DatasetVersion.version, DatasetVersion.loaded_at)
            ).first()
        version = None if stamp is None else stamp.version
        if stamp is not None and version not in loaded:
            loaded.clear()  # one version is served at a time
            when = stamp.loaded_at.replace(tzinfo=stamp.loaded_at.tzinfo or dt.UTC)
            loaded[stamp.version] = format_datetime(when.astimezone(dt.UTC), usegmt=True).encode()
        if seen[0] is not None and version != seen[0]:
            app.state.renew_connections()
        seen[0] = version
        return version

    return read, loaded.get


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = html_csp(bytes(page.body))
    return page


def _install_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from an installed package's files: no CDN, works offline."""
    app.mount("/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _with_csp(
            get_swagger_ui_html(
                openapi_url="/openapi.json",
                title=f"{app.title} - Swagger UI",
                swagger_js_url="/static/docs/swagger-ui-bundle.js",
                swagger_css_url="/static/docs/swagger-ui.css",
                swagger_favicon_url="/static/docs/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _with_csp(
            get_redoc_html(
                openapi_url="/openapi.json",
                title=f"{app.title} - ReDoc",
                redoc_js_url="/static/docs/redoc.standalone.js",
                redoc_favicon_url="/static/docs/favicon.png",
                with_google_fonts=False,
            )
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for `settings` (read from the environment when omitted)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="NATO defence expenditure API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        dependencies=[RequestChecksDep],
        # Every operation can meet the global guards (unknown parameters, Accept, a body,
        # the URL's length), the server's limits on headers and connections (app/server.py)
        # and a busy or unavailable database.
        responses=problem_responses(400, 406, 413, 414, 431, 503),
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    install_error_handlers(app)
    for router in (
        health.router,
        meta.router,
        citation.router,
        metrics.router,
        allies.router,
        observations.router,
        indicators.router,
        editions.router,
        sources.router,
        compliance.router,
        pathways.router,
        totals.router,
        revisions.router,
        quotes.router,
        claims.router,
        export.router,
        charts.router,
        dashboard.router,
    ):
        app.include_router(router)
    _install_docs(app)
    install_openapi(app)
    # MCP over streamable HTTP at /mcp: the tools call the reports as the routers do.
    app.state.mcp = build_server(lambda: app.state.sessions)
    app.router.routes.append(http_route(app.state.mcp, max_body_bytes=settings.mcp_max_body_bytes))
    return app


def create_asgi(settings: Settings | None = None) -> ASGIApp:
    """The application as served: the FastAPI app wrapped in the pure-ASGI layers.

    Outermost first: the front door (request id, guards, metrics, access log), the response
    cache, security headers, CORS, then FastAPI. The front door answers a cache hit itself
    (`ResponseCache.lookup`), with its request id, metrics and log line, and the hit enters
    no other layer; the security and CORS headers are part of the cached answer, which the
    cache keys on Origin. /metrics reads the cache's own counters (`ResponseCache.stats`).
    """
    settings = settings or get_settings()
    configure_logging(settings)
    app = create_app(settings)
    cors = Cors(app, settings.cors_origins, post_paths=frozenset({MCP_PATH}))
    read_version, last_modified = _version_reader(app)
    cache = ResponseCache(
        SecurityHeaders(cors),
        settings,
        read_version=read_version,
        last_modified=last_modified,
        offers=OFFERS,
        host_paths=HOST_PATHS,
    )
    app.state.metrics.cache_stats = cache.stats
    app.state.metrics.access_log = access_logger(settings)
    limits = Limits(
        max_url_length=settings.max_url_length,
        max_query_params=settings.max_query_params,
        max_body_bytes=settings.max_body_bytes,
        post_paths=frozenset({MCP_PATH}),
        max_post_body_bytes=settings.mcp_max_body_bytes,
        trusted_hosts=tuple(h.lower() for h in settings.trusted_hosts),
    )
    return FrontDoor(
        cache,
        metrics=app.state.metrics,
        limits=limits,
        plain_routes=[
            r.path for r in app.routes if isinstance(r, Route) and not isinstance(r, APIRoute)
        ],
        mounts=[r.path for r in app.routes if isinstance(r, Mount)],
    )
