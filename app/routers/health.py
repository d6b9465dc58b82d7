"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import SessionDep
from app.errors import problem_responses
from app.queries.meta import select_dataset
from app.schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Process is alive")
async def healthz() -> Health:
    """Answers 200 whenever the process runs; touches no database."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    summary="Database reachable and seeded",
    responses=problem_responses(503),
)
def readyz(session: SessionDep) -> Ready:
    """200 with the dataset version when the database answers and is seeded, else 503."""
    dataset = select_dataset(session)
    return Ready(status="ready", dataset_version=dataset.version, loaded_at=dataset.loaded_at)
