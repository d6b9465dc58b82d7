"""What a citation names: one edition (NATO's publication and its official URL) or the dataset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import Aggregate, Edition, Observation, Source
from app.queries.lookups import suggest
from app.queries.meta import select_dataset

API_NAME = "NATO defence expenditure API"
DATASET_TITLE = "NATO defence expenditure figures, edition by edition"
# sources.csv kinds that are NATO's own publication (its file or its web page).
OFFICIAL_KINDS = ("official_nato_file", "official_nato_web")


@dataclass(frozen=True)
class Cited:
    """The facts a citation is written from; `edition` None means the whole dataset."""

    edition: str | None
    title: str
    publisher: str
    issued: dt.date
    kind: str
    # The edition's official source URL, where sources.csv has one; None otherwise.
    url: str | None
    dataset_version: str
    # For the dataset: the editions it holds, oldest first.
    editions: tuple[str, ...] = ()


def select_official_url(session: Session, edition: str) -> str | None:
    """The URL of the NATO source that gave the edition most figures, if any gave some."""
    used = union_all(
        select(Observation.source_id.label("source_id")).where(Observation.edition_id == edition),
        select(Aggregate.source_id.label("source_id")).where(Aggregate.edition_id == edition),
    ).subquery()
    figures = func.count().label("figures")
    stmt = (
        select(Source.url, figures)
        .join(used, used.c.source_id == Source.id)
        .where(Source.kind.in_(OFFICIAL_KINDS), Source.url.is_not(None))
        .group_by(Source.id, Source.url)
        .order_by(figures.desc(), Source.id)
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def select_citation(session: Session, *, edition: str | None) -> Cited:
    """The edition's citation facts, or the dataset's when `edition` is None; 404 when the
    edition is unknown."""
    dataset = select_dataset(session)
    editions = session.execute(
        select(
            Edition.id, Edition.title, Edition.publisher, Edition.published_on, Edition.kind
        ).order_by(Edition.published_on)
    ).all()
    if edition is None:
        return Cited(
            edition=None,
            title=DATASET_TITLE,
            publisher=API_NAME,
            issued=dataset.loaded_at.date(),
            kind="dataset",
            url=None,
            dataset_version=dataset.version,
            editions=tuple(row.id for row in editions),
        )
    row = next((row for row in editions if row.id == edition), None)
    if row is None:
        known = [row.id for row in editions]
        raise NotFound(f"No edition {edition!r}.{suggest(edition, known)} See /v1/editions.")
    return Cited(
        edition=row.id,
        title=row.title,
        publisher=row.publisher,
        issued=row.published_on,
        kind=row.kind,
        url=select_official_url(session, row.id),
        dataset_version=dataset.version,
    )
