"""A bound on whole-collection answers in flight per worker process (issue 23).

A whole CSV, NDJSON or xlsx answer of /v1/observations (no `limit` or `offset`: every
matching figure) fetches every row (6,779; about 8 MB of Python objects) and holds them while
its client reads the stream. With no cached copy to share (the cache off, or distinct query
variants), 100 clients reading a byte a second made 100 such renders at once: RSS 120 -> 972
MB, and 954 MB a minute after they were dropped, since the freed small objects are scattered
over the heap and never go back to the system (bench/ATTACKS.md). Bounding how many run at
once bounds both the peak and what stays.

A slot is taken before the session (a request waiting here holds no database connection) and
given back when the answer has been sent or its client has gone: the dependency is
request-scoped, so FastAPI leaves it after the response, however it ended. The wait for a
slot is bounded; beyond it, a 503 problem with Retry-After, like the session gate's
(app.deps.SessionGate). A client that stops reading holds its slot until the send timeout
drops it (NATO_SEND_TIMEOUT), so a few stalled readers can make whole downloads wait; pages
(JSON, or CSV/NDJSON with `limit`) and every other route are never gated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from app.deps import Slots
from app.errors import AppError
from app.formats import Format, get_format, page_limit


class WholeAnswerGate(Slots):
    """Admits at most `slots` whole-collection answers at once; waits `wait_seconds` at most."""

    def busy(self) -> str:
        return (
            f"The server is busy sending whole collections: none finished in "
            f"{self.wait_seconds:g} s. Retry shortly, or ask for pages (`limit` and `offset`)."
        )


async def _format(request: Request) -> Format | None:
    """The request's format, or None when it names none the route offers: the route's own
    format dependency then answers the error (406 or 422), having rendered nothing.

    Read here rather than through FormatDep, whose `format` parameter would then be listed
    before the route's others in the OpenAPI document."""
    raw = request.query_params.get("format")
    try:
        return await get_format(request, Format(raw) if raw is not None else None)
    except (ValueError, AppError):
        return None


async def whole_answer_slot(request: Request) -> AsyncIterator[None]:
    """Hold a slot of the app's WholeAnswerGate while a whole collection is rendered and sent;
    nothing for a page."""
    fmt = await _format(request)
    if fmt is None or page_limit(request, fmt, 0) is not None:
        yield
        return
    gate: WholeAnswerGate = request.app.state.whole_answers
    await gate.acquire()
    try:
        yield
    finally:
        gate.release()


# Declare it before SessionDep: the wait for a slot then holds no database connection.
# scope="request": left after the response has been sent (or its client has gone).
WholeAnswerSlot = Annotated[None, Depends(whole_answer_slot, scope="request")]
