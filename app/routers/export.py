"""The offline bundle: a zip of the CSV files with metadata and checksums, and the SQLite file."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from app import analytic_db
from app.deps import SessionDep
from app.errors import problem_responses
from app.queries.meta import select_dataset
from app.reports import export as report

router = APIRouter(prefix="/v1", tags=["export"])


def _binary(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(503),
    }


def _download(
    session: Session, version: str, body: bytes, media_type: str, suffix: str
) -> Response:
    # Byte ranges (app.edge.ranges) resume an interrupted download; If-Range may name the
    # ETag or this date, the same on every replica (the dataset's load time).
    filename = f"nato-defence-expenditure-{version[:12]}{suffix}"
    loaded_at = select_dataset(session).loaded_at
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Accept-Ranges": "bytes",
            "Last-Modified": format_datetime(loaded_at.astimezone(dt.UTC), usegmt=True),
        },
    )


@router.get(
    "/export",
    response_model=None,
    response_class=Response,
    summary="Offline bundle (zip of CSV files)",
    responses=_binary("application/zip", "Zip: the CSV files, metadata.json, README.md"),
)
def get_export(session: SessionDep) -> Response:
    """Every table as the seed's CSV files, metadata.json and a README with SHA-256 sums."""
    version, body = report.build_bundle(session)
    return _download(session, version, body, "application/zip", ".zip")


@router.get(
    "/export/sqlite",
    response_model=None,
    response_class=Response,
    summary="Offline bundle (SQLite database)",
    responses=_binary(
        report.SQLITE_TYPE, "The dataset as one SQLite database: tables, views, metadata, README"
    ),
)
def get_export_sqlite(session: SessionDep) -> Response:
    """The dataset as an analytic SQLite database: the collections as tables (the CSV's
    columns, `value` REAL beside `value_text`), views `latest_observations` and
    `compliance_inputs`, and `metadata` and `README` tables (docs/data.md has examples)."""
    version, body = analytic_db.build(session)
    return _download(session, version, body, report.SQLITE_TYPE, ".sqlite3")
