"""The stack's floor (issue 22): a bare ASGI app, the sqlite3 module and orjson, no framework.

It answers the two shapes the uncached comparison measures, on the same file as the API
(`FLOOR_DATABASE`, a path):

- `/v1/observations?ally=ISO3&year=YYYY&limit=N`: the API's own count and page SQL (latest
  edition rule), the page as a JSON object of the same keys, with orjson;
- `/v1/observations.csv`: every row of every edition (twice the API's rows) with csv.writer,
  streamed in chunks of 1,000 rows.

One connection opened at start-up (the file is read-only here), one read transaction per
request. What a request needs and nothing more: the floor, not a peer.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from typing import Any
from urllib.parse import parse_qs

import orjson

COUNT = (
    "SELECT count(*) FROM observations WHERE observations.superseded_on IS NULL "
    "AND observations.ally_iso3 IN (?) AND observations.year = ?"
)
PAGE = (
    "SELECT o.indicator_id, o.ally_iso3, o.year, o.value_num, o.value, o.unit, o.edition_id, "
    "o.is_estimate, o.source_id, o.notes, a.name, o.published_on, e.expenditure_definition "
    "FROM observations AS o JOIN allies AS a ON a.iso3 = o.ally_iso3 "
    "JOIN editions AS e ON e.id = o.edition_id "
    "WHERE o.superseded_on IS NULL AND o.ally_iso3 IN (?) AND o.year = ? "
    "ORDER BY o.ally_iso3, o.indicator_id, o.year, o.edition_id, o.source_id LIMIT ? OFFSET ?"
)
KEYS = (
    "indicator",
    "ally",
    "year",
    "value",
    "value_text",
    "unit",
    "edition",
    "is_estimate",
    "source",
    "notes",
    "ally_name",
    "edition_published_on",
    "expenditure_definition",
)
RULE = {
    "mode": "latest",
    "edition": None,
    "as_of": None,
    "description": "for each figure, the newest edition that has it (latest)",
}
ALL_ROWS = "SELECT * FROM observations ORDER BY ally_iso3, indicator_id, year, edition_id"

_conn: sqlite3.Connection | None = None


def _db() -> sqlite3.Connection:
    global _conn
    if _conn is None:
        path = os.environ["FLOOR_DATABASE"]
        _conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    return _conn


def _page(query: dict[str, list[str]]) -> bytes:
    ally, year = query["ally"][0], int(query["year"][0])
    limit = int(query.get("limit", ["100"])[0])
    offset = int(query.get("offset", ["0"])[0])
    return page(ally, year, limit, offset)


def page(ally: str, year: int, limit: int, offset: int) -> bytes:
    """The JSON page of one ally's figures of one year (bench/framework_floor.py too)."""
    db = _db()
    db.execute("BEGIN")
    try:
        (total,) = db.execute(COUNT, (ally, year)).fetchone()
        rows = db.execute(PAGE, (ally, year, limit, offset)).fetchall()
    finally:
        db.execute("COMMIT")
    items = []
    for row in rows:
        item = dict(zip(KEYS, row, strict=True))
        item["is_estimate"] = bool(item["is_estimate"])
        items.append(item)
    page = {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": None,
        "prev": None,
        "edition_rule": RULE,
    }
    return orjson.dumps(page)


async def _csv(send: Any) -> None:
    db = _db()
    db.execute("BEGIN")
    try:
        cursor = db.execute(ALL_ROWS)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c[0] for c in cursor.description])
        while rows := cursor.fetchmany(1000):
            writer.writerows(rows)
            await send(
                {
                    "type": "http.response.body",
                    "body": buffer.getvalue().encode(),
                    "more_body": True,
                }
            )
            buffer.seek(0)
            buffer.truncate()
    finally:
        db.execute("COMMIT")
    await send({"type": "http.response.body", "body": buffer.getvalue().encode()})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    if path == "/v1/observations.csv":
        headers = [(b"content-type", b"text/csv; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await _csv(send)
        return
    if path == "/readyz":
        body = b'{"status":"ready"}'
    else:
        body = _page(parse_qs(scope["query_string"].decode("latin-1")))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
