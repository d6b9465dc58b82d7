"""The xlsx answer of a collection: app.formats.xlsx's workbook, rendered once the handler has
returned, with its About sheet read from the database (the editions and sources the rows name).

The handler's session is closed by then (app.deps), and which editions and sources the rows
name is known only once they are written, so the About is read in a session of its own,
admitted by the same gate; a database that fails then is a 503 problem, as the answer has not
begun. The workbook is written to a temporary file in a worker thread, then sent in chunks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from functools import partial
from typing import IO, TYPE_CHECKING, Any

import anyio.to_thread
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app import __license__
from app.errors import RETRY_AFTER_SECONDS, problem
from app.formats.xlsx import XLSX_TYPE, About, write_workbook
from app.queries.meta import select_dataset
from app.queries.provenance import select_provenance
from app.terms import how_to_cite

if TYPE_CHECKING:  # app.deps imports app.formats, whose registry imports this module
    from app.deps import SessionGate

CHUNK_BYTES = 64 * 1024
LICENCE = (
    f"The figures are NATO's and their publishers' (each row names its source); no licence "
    f"for them is given here. This API's code is under the {__license__} licence."
)


class WorkbookResponse(Response):
    """`rows` as `model` items in an xlsx workbook (app.formats.xlsx); the registry's
    Responder of xlsx: (rows, item model, sheet name, headers)."""

    media_type = XLSX_TYPE

    def __init__(
        self,
        rows: Iterable[Any],
        model: type[BaseModel],
        sheet: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(headers=headers, media_type=XLSX_TYPE)
        self.rows = rows
        self.model = model
        self.sheet = sheet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gate: SessionGate = scope["app"].state.sessions
        query = scope.get("query_string", b"").decode("latin-1")
        title = scope["path"] + (f"?{query}" if query else "")
        with tempfile.TemporaryFile() as out:
            try:
                await gate.acquire()
                try:
                    await anyio.to_thread.run_sync(partial(self._write, out, gate, title))
                finally:
                    gate.release()
            except SQLAlchemyError:
                failed = problem(
                    scope["path"][:200],
                    status=503,
                    title="Service unavailable",
                    detail="The database failed while the workbook was written; retry shortly.",
                    slug="unavailable",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
                await failed(scope, receive, send)
                return
            size = out.tell()
            out.seek(0)
            self.headers["content-length"] = str(size)
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            while chunk := await anyio.to_thread.run_sync(out.read, CHUNK_BYTES):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    def _write(self, out: IO[bytes], gate: SessionGate, title: str) -> None:
        def describe(editions: set[str], sources: set[str]) -> About:
            with gate.factory() as session:
                dataset = select_dataset(session)
                found_editions, found_sources = select_provenance(
                    session, editions=editions, sources=sources
                )
            return About(
                title=title,
                dataset_version=dataset.version,
                loaded_at=dataset.loaded_at,
                editions=found_editions,
                sources=found_sources,
                how_to_cite=how_to_cite(dataset.version),
                licence=LICENCE,
            )

        write_workbook(out, sheet=self.sheet, model=self.model, rows=self.rows, describe=describe)
