"""The two ways in: streamable HTTP at /mcp on the API's own app (stateless, JSON answers),
and stdio (`nato-api mcp`) for a desktop assistant.

Over HTTP the route sits behind the API's edge (app/main.py: request ids, guards and the
POST body limit, metrics, access log, CORS; never the response cache, which keeps GET and
HEAD answers only). The SDK's own Host and Origin checks (DNS-rebinding protection) are off:
the edge's trusted-host guard and CORS rules are the API's one policy for every path.
"""

from __future__ import annotations

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.db import POOL_CAPACITY, make_sessionmaker
from app.deps import SessionGate
from app.errors import problem
from app.mcp.answers import Server
from app.mcp.server import build_server

MCP_PATH = "/mcp"


def http_route(server: Server, *, max_body_bytes: int) -> Route:
    """The streamable HTTP endpoint as one route of the API's app. Its session manager must
    run for the app's lifetime (`server.session_manager.run()` in the app's lifespan)."""
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,
        stateless_http=True,
        max_request_body_size=max_body_bytes,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    (route,) = (r for r in app.routes if isinstance(r, Route) and r.path == MCP_PATH)
    return Route(MCP_PATH, endpoint=_PostOnly(route.app), include_in_schema=False)


class _PostOnly:
    """POST alone: a stateless server pushes nothing, so a GET would hold open an event stream
    that never carries a message (the transport allows a 405), and there is no session to
    DELETE. (A class: Starlette would call a plain function as a request handler.)"""

    def __init__(self, endpoint: ASGIApp) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            await self.endpoint(scope, receive, send)
            return
        refusal = problem(
            scope["path"],
            status=405,
            title="Method not allowed",
            detail="The MCP endpoint answers POST (a JSON-RPC message; JSON answers, no "
            "event stream, no session): see docs/mcp.md.",
            headers={"Allow": "POST"},
        )
        await refusal(scope, receive, send)


def serve_stdio(settings: Settings, engine: Engine, *, base_url: str) -> None:
    """Answer tool calls on stdin/stdout until stdin closes; `engine` is the read-only engine
    app.main.open_database opened (the caller disposes of it)."""
    gate: list[SessionGate] = []

    def sessions() -> SessionGate:
        if not gate:  # made on the event loop that serves the calls
            gate.append(
                SessionGate(make_sessionmaker(engine), POOL_CAPACITY, settings.db_wait_seconds)
            )
        return gate[0]

    server = build_server(sessions, base_url=base_url)
    anyio.run(server.run_stdio_async)
