"""A minimal Starlette app (one route per path) replaying the API's recorded answers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.fixtures import load

ANSWERS = load()


async def replay(request: Request) -> Response:
    query = request.url.query
    answer = ANSWERS[f"{request.url.path}?{query}" if query else request.url.path]
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in answer.headers}
    return Response(answer.body, status_code=answer.status, headers=headers)


app = Starlette(routes=[Route(path, replay) for path in sorted({u.split("?")[0] for u in ANSWERS})])
