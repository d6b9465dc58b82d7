"""A bare ASGI callable (no framework) replaying the API's recorded answers: the server's limit."""

from __future__ import annotations

from typing import Any

from bench.fixtures import load

ANSWERS = load()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    query = scope["query_string"].decode("latin-1")
    answer = ANSWERS[f"{scope['path']}?{query}" if query else scope["path"]]
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
