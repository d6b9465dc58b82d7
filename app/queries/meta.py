"""Dataset version, row counts, editions and sources for /readyz and /v1/meta."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ServiceUnavailable
from app.models import (
    Aggregate,
    Ally,
    Base,
    DatasetVersion,
    Edition,
    Indicator,
    Observation,
    Quote,
    Source,
    newest_dataset,
)

COUNTED: tuple[type[Base], ...] = (Ally, Edition, Source, Indicator, Observation, Aggregate, Quote)


@dataclass(frozen=True)
class LoadedDataset:
    version: str
    loaded_at: dt.datetime
    files: dict[str, Any]


def select_dataset(session: Session) -> LoadedDataset:
    """The loaded dataset version; 503 when the database was never seeded."""
    row = session.execute(
        newest_dataset(DatasetVersion.version, DatasetVersion.loaded_at, DatasetVersion.files)
    ).first()
    if row is None:
        raise ServiceUnavailable("The database is not seeded yet: run `nato-api seed`.")
    loaded_at = row.loaded_at
    if loaded_at.tzinfo is None:  # SQLite keeps no zone; the loader writes UTC
        loaded_at = loaded_at.replace(tzinfo=dt.UTC)
    return LoadedDataset(version=row.version, loaded_at=loaded_at, files=row.files)


def select_row_counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in COUNTED
    }


def select_edition_summaries(session: Session) -> list[Edition]:
    return list(session.scalars(select(Edition).order_by(Edition.published_on)))


def select_source_summaries(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.id)))
