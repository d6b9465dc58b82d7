"""/v1/citation: how to cite an edition, or the dataset, in CSL-JSON, BibTeX or RIS."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app import citation
from app.deps import SessionDep
from app.edge.guards import base_url
from app.edge.pinned import pin_answer
from app.errors import problem_responses
from app.queries.citation import select_citation

# Under "meta": how to cite the loaded dataset and its editions (app/openapi.py owns the tags).
router = APIRouter(prefix="/v1", tags=["meta"])

# CSL-JSON is an array of CSL items (https://citeproc-js.readthedocs.io/en/latest/csl-json/).
CSL_ITEMS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "type", "title", "author", "publisher", "issued", "URL", "note"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
            "author": {"type": "array", "items": {"type": "object"}},
            "publisher": {"type": "string"},
            "issued": {"type": "object"},
            "URL": {"type": "string"},
            "note": {"type": "string"},
            "version": {"type": "string"},
        },
    },
}
CITATION_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The citation: CSL-JSON (an array of one item), BibTeX or RIS.",
        "content": {
            media.split(";")[0]: {
                "schema": CSL_ITEMS
                if fmt is citation.CitationFormat.csl_json
                else {"type": "string"}
            }
            for fmt, media in citation.MEDIA_TYPES.items()
        },
    }
}


@router.get(
    "/citation",
    response_class=Response,
    summary="Cite an edition or the dataset",
    responses={**CITATION_OK, **problem_responses(400, 404, 406, 422, 503)},
)
def get_citation(
    request: Request,
    session: SessionDep,
    edition: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Edition to cite (see /v1/editions); leave it out to cite the dataset.",
            examples=["2024-06"],
        ),
    ] = None,
    format: Annotated[
        citation.CitationFormat | None,
        Query(description="csl-json (default), bibtex or ris; overrides the Accept header."),
    ] = None,
) -> Response:
    """NATO's publication of the edition (title, publisher, date, official URL where there is
    one) with this dataset's version, or the dataset itself when no edition is given."""
    fmt = citation.negotiate(request.headers.get("accept"), format)
    cited = select_citation(session, edition=edition)
    if edition:
        pin_answer(request.scope)  # an edition's publication never changes
    body, media_type, filename = citation.render(cited, fmt, base_url=base_url(request.scope))
    disposition = f'inline; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})
