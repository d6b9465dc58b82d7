"""Dataset metadata: version, load time, row counts, editions and sources."""

from __future__ import annotations

from fastapi import APIRouter

from app import __license__, __version__
from app.deps import SessionDep
from app.errors import problem_responses
from app.queries import meta as q
from app.schemas import EditionSummary, Meta, SourceSummary
from app.terms import how_to_cite

router = APIRouter(prefix="/v1", tags=["meta"])


@router.get(
    "/meta",
    response_model=Meta,
    summary="Dataset version and contents",
    responses=problem_responses(503),
)
def get_meta(session: SessionDep) -> Meta:
    """The loaded dataset's version (SHA-256 of the seed files), load time, row counts per
    table, the report editions and the sources."""
    dataset = q.select_dataset(session)
    return Meta(
        dataset_version=dataset.version,
        loaded_at=dataset.loaded_at,
        api_version=__version__,
        row_counts=q.select_row_counts(session),
        file_sha256=dataset.files.get("sha256", {}),
        code_license=__license__,
        how_to_cite=how_to_cite(dataset.version),
        editions=[EditionSummary.model_validate(e) for e in q.select_edition_summaries(session)],
        sources=[SourceSummary.model_validate(s) for s in q.select_source_summaries(session)],
    )
