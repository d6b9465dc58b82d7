"""Shared request dependencies: the session, the unknown-query-parameter guard, the edition
rule, the pathway parameters and pagination bounds."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable, Sequence, Set
from dataclasses import dataclass
from decimal import Decimal
from types import UnionType
from typing import Annotated, TypeVar, Union, get_args, get_origin

import structlog
from fastapi import Depends, Query, Request
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BeforeValidator
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.analysis.decimals import bounded_decimal
from app.analysis.editions import EDITION_PATTERN, EditionRule, make_rule
from app.analysis.pathways import DEFAULT_BY, DEFAULT_PACE_YEARS, DEFAULT_TARGET
from app.edge.pinned import pin_answer
from app.errors import BadRequest, ServiceUnavailable, UnknownParameter
from app.formats import get_json_only
from app.queries.editions_rule import edition_ids

log = structlog.get_logger("app.deps")


class Slots:
    """At most `slots` holders at once. A free slot is taken with no timer to arm; a wait for
    one is bounded by `wait_seconds`, then a 503 problem (with Retry-After) saying `busy()`."""

    def __init__(self, slots: int, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._slots = asyncio.Semaphore(slots)

    def busy(self) -> str:
        return f"The server is busy: nothing freed up in {self.wait_seconds:g} s; retry shortly."

    async def acquire(self) -> None:
        if not self._slots.locked():  # a free slot: taken at once, no timer to arm
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(self.wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise ServiceUnavailable(self.busy()) from None

    def release(self) -> None:
        self._slots.release()


class SessionGate(Slots):
    """Admits at most `slots` request sessions at once: as many as the pool has connections.

    A request waits for its turn here, on the event loop, holding no worker thread; once
    admitted, its connection is free in the pool. So no thread ever waits for a connection
    that only another thread's next step would release (issue 12: a sync generator
    dependency entered in the 40-thread pool deadlocked 55 cold requests on 15
    connections). The wait is bounded: beyond `wait_seconds`, a 503 with Retry-After.
    """

    def __init__(self, factory: sessionmaker[Session], slots: int, wait_seconds: float) -> None:
        super().__init__(slots, wait_seconds)
        self.factory = factory
        # Closing a session ends its read transaction: on SQLite a ROLLBACK in the process,
        # done on the event loop (a thread hop cost more); elsewhere a round trip, in a
        # worker thread.
        bind = factory.kw.get("bind")
        self.close_inline = bind is not None and bind.dialect.name == "sqlite"

    def busy(self) -> str:
        return (
            f"The server is busy: no database connection freed up in {self.wait_seconds:g} "
            "s; retry shortly."
        )


T = TypeVar("T")


async def run_reads(request: Request, work: Callable[[], T], *, bounded: bool) -> T:
    """Run a handler's database work: on the event loop when the database is SQLite and the
    caller knows the work `bounded` (reads in the process of about a millisecond at most,
    e.g. a page of one ally's figures), else in one worker thread (PostgreSQL's round
    trips; whole tables, large sorts). For small reads a thread hop cost more than the reads
    it moved (issue 22, bench/profile.py)."""
    gate: SessionGate = request.app.state.sessions
    if bounded and gate.close_inline:
        return work()
    return await run_in_threadpool(work)


def _close(session: Session) -> None:
    try:
        session.close()
    except DBAPIError as exc:
        # Only a read transaction is lost, and the pool has discarded the dead connection;
        # the answer already computed stays good.
        log.warning("session_close_failed", error=type(exc).__name__)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, admitted by the app's SessionGate; one read transaction.

    Closed as soon as the handler returns (scope="function"), before the response starts:
    a database that drops then is still answered in the API's error shape, never after a
    response has begun.
    """
    gate: SessionGate = request.app.state.sessions
    await gate.acquire()
    session = gate.factory()
    try:
        yield session
    finally:
        try:
            if gate.close_inline or not session.in_transaction():
                _close(session)  # no I/O to wait for (SQLite, or nothing begun)
            else:
                await run_in_threadpool(_close, session)
        finally:
            gate.release()


# scope="function": the session closes when the handler returns, before the response starts,
# so a database lost at that moment (its ROLLBACK fails) is a 503 problem like any database
# error; closed after the response had started, it was a text/plain 500 (make cluster-test).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# Accepted on every route by content negotiation, even where a route does not declare it.
ALWAYS_ALLOWED = frozenset({"format"})


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_DECLARED: dict[int, frozenset[str]] = {}


def _declared(route: APIRoute) -> frozenset[str]:
    # Routes are unhashable and live as long as the app: memoise by identity.
    names = _DECLARED.get(id(route))
    if names is None:
        names = _DECLARED[id(route)] = frozenset(_query_names(route.dependant)) | ALWAYS_ALLOWED
    return names


async def reject_unknown_parameters(request: Request) -> None:
    """A misspelt filter must not be silently ignored (it would return unfiltered data)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _declared(route)
    unknown = sorted({k for k in request.query_params if k not in declared})
    if unknown:
        allowed = ", ".join(sorted(declared))
        raise UnknownParameter(
            f"Unknown query parameter(s): {', '.join(unknown)}. This path accepts: {allowed}.",
            errors=[
                {"parameter": name, "in": "query", "message": "unknown parameter"}
                for name in unknown
            ],
        )


def _iso_date(value: object) -> object:
    # Pydantic also reads "0" or "1700000000" as Unix times (as_of=0 was 1970-01-01).
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("use a date written YYYY-MM-DD, e.g. 2025-05-01")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A query date: only the YYYY-MM-DD form (RFC 3339 full-date)."""

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size, 1 to 1000 (default 100).")]
Offset = Annotated[
    int, Query(ge=0, le=10_000_000, description="Index of the first item to return (default 0).")
]
GuardDep = Depends(reject_unknown_parameters)


async def get_edition_rule(
    request: Request,
    session: SessionDep,
    edition: Annotated[
        str | None,
        Query(
            pattern=EDITION_PATTERN,
            description="Pin one edition (YYYY-MM, see /v1/editions), e.g. 2024-06.",
            examples=["2024-06"],
        ),
    ] = None,
    as_of: Annotated[
        IsoDate | None,
        Query(
            description="For each figure, the newest edition published on or before this date.",
            examples=["2025-05-01"],
        ),
    ] = None,
) -> EditionRule:
    """`edition`, `as_of` or neither (latest), checked once here: both at once is a 400, an
    unknown edition a 422. A pinned edition makes the answer immutable (the cache reads it)."""
    # The loaded editions are read only to check a pinned one (a worker thread: the database).
    known = await run_in_threadpool(edition_ids, session) if edition else ()
    rule = make_rule(edition=edition, as_of=as_of, known=known)
    if rule.edition:
        pin_answer(request.scope)
    return rule


EditionRuleDep = Annotated[EditionRule, Depends(get_edition_rule)]


def _is_sequence(annotation: object) -> bool:
    """list[str], tuple[...], set[...] or an optional one: a query parameter that may repeat
    (`x=1&x=2`), as FastAPI reads it; a str is one value."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_sequence(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return any(_is_sequence(arg) for arg in get_args(annotation))
    kind = origin or annotation
    return (
        isinstance(kind, type)
        and issubclass(kind, Sequence | Set)
        and not issubclass(kind, str | bytes)
    )


def _repeatable(dependant: Dependant) -> set[str]:
    names = {
        param.alias for param in dependant.query_params if _is_sequence(param.field_info.annotation)
    }
    for sub in dependant.dependencies:
        names |= _repeatable(sub)
    return names


@dataclass(frozen=True)
class _Shape:
    repeatable: frozenset[str]
    json_only: bool


_SHAPES: dict[int, _Shape] = {}


def _shape(route: APIRoute) -> _Shape:
    shape = _SHAPES.get(id(route))
    if shape is None:
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        # JSON-only: a documented route answering JSON that does not negotiate (`format`).
        json_only = (
            route.include_in_schema
            and getattr(response_class, "media_type", None) == "application/json"
            and "format" not in _query_names(route.dependant)
        )
        shape = _SHAPES[id(route)] = _Shape(frozenset(_repeatable(route.dependant)), json_only)
    return shape


async def check_request_shape(request: Request) -> None:
    """A parameter given twice is ambiguous (which one wins?); an Accept header that excludes
    JSON cannot be met by a JSON-only resource (406, not a JSON body the client refused)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    shape = _shape(route)
    params = request.query_params
    # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    with_nul = sorted({k for k, v in params.multi_items() if "\x00" in k + v})
    if with_nul or "\x00" in request.url.path:
        where = ", ".join(repr(k) for k in with_nul) or "the path"
        raise BadRequest(f"NUL character (%00) in {where}; remove it.")
    if len(params.multi_items()) > len(params):
        repeated = sorted(
            {k for k in params if k not in shape.repeatable and len(params.getlist(k)) > 1}
        )
        if repeated:
            raise BadRequest(
                f"Query parameter(s) given more than once: {', '.join(repeated)}. Give each once.",
                errors=[
                    {"parameter": name, "in": "query", "message": "given more than once"}
                    for name in repeated
                ],
            )
    if shape.json_only:
        await get_json_only(request)


ShapeDep = Depends(check_request_shape)


async def check_request(request: Request) -> None:
    """The global checks of every route, in one dependency (each one FastAPI resolves costs
    about as much as a query on this data): unknown parameters, then the request's shape."""
    await reject_unknown_parameters(request)
    await check_request_shape(request)


RequestChecksDep = Depends(check_request)


class PathwayParameters:
    """The target, deadline and pace window of /v1/pathways and its charts."""

    def __init__(
        self,
        target: Annotated[
            Decimal,
            Query(
                gt=0,
                le=100,
                description="Target share of GDP, per cent (default 3.5, the Hague core "
                "guideline; 5 is measured against core defence expenditure alone).",
                examples=["3.5"],
            ),
            AfterValidator(bounded_decimal),
        ] = DEFAULT_TARGET,
        by: Annotated[
            int,
            Query(
                ge=1950,
                le=2100,
                description="Deadline year (default 2035); it must come after the newest "
                "figure's year.",
                examples=[2035],
            ),
        ] = DEFAULT_BY,
        pace_years: Annotated[
            int,
            Query(
                ge=1,
                le=10,
                description="Years over which the current pace is measured, 1 to 10 "
                "(default 3), inside the figure's own edition.",
                examples=[3],
            ),
        ] = DEFAULT_PACE_YEARS,
    ) -> None:
        self.target, self.by, self.pace_years = target, by, pace_years


PathwayParametersDep = Annotated[PathwayParameters, Depends()]
