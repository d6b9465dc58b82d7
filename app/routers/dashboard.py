"""The HTML dashboard at / and its three static files: a page that reads only the public JSON
API. Kept out of the OpenAPI document (it is not part of the API)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from app.errors import NotFound

STATIC = Path(__file__).resolve().parent.parent / "static" / "dashboard"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Read once: a fixed whitelist of files, so no path from a request ever reaches the disk.
ASSETS = {
    path.name: (path.read_bytes(), MEDIA_TYPES[path.suffix])
    for path in sorted(STATIC.iterdir())
    if path.suffix in MEDIA_TYPES and path.name != "index.html"
}
INDEX = (STATIC / "index.html").read_bytes()

router = APIRouter()


async def dashboard(request: Request) -> Response:
    """The dashboard page; its query (edition, year, threshold, ally) is read by the script."""
    return Response(INDEX, media_type=MEDIA_TYPES[".html"])


async def dashboard_asset(request: Request) -> Response:
    name = request.path_params["name"]
    asset = ASSETS.get(name)
    if asset is None:
        raise NotFound(f"No dashboard file {name!r}.")
    body, media_type = asset
    return Response(body, media_type=media_type)


# Plain Starlette routes: not in the OpenAPI schema, and the page's own query parameters
# are for the script, not for the unknown-parameter guard of the API routes.
router.add_route("/", dashboard, methods=["GET"], include_in_schema=False)
router.add_route(
    "/static/dashboard/{name}", dashboard_asset, methods=["GET"], include_in_schema=False
)
