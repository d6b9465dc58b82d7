"""GET /metrics: the process's counters in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from starlette.responses import Response

from app.edge.metrics import metrics_of

router = APIRouter(tags=["health"])

_EXAMPLE = """\
# HELP nato_http_requests_total HTTP requests answered, by route template, method and status.
# TYPE nato_http_requests_total counter
nato_http_requests_total{method="GET",route="/v1/meta",status="200"} 42.0
"""


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={
        200: {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {"text/plain": {"schema": {"type": "string"}, "example": _EXAMPLE}},
        }
    },
)
async def get_metrics(request: Request) -> Response:
    """Requests by route and status, latency histogram, cache hits and misses, dataset version
    (per process: with several workers, each answers with its own counters)."""
    body = generate_latest(metrics_of(request.app).registry)
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)
