"""Formats: one registry (registry.py) drives negotiation, rendering (render.py, tabular.py),
the routes' format dependencies and twins (routes.py) and the OpenAPI document."""

from app.formats.registry import ALL_FORMATS, FORMATS, Format, FormatSpec, negotiate
from app.formats.render import (
    collection_response,
    item_model,
    json_content_response,
    json_response,
    rows_response,
)
from app.formats.routes import (
    FormatDep,
    JsonOnlyDep,
    collection_get,
    csv_responses,
    get_format,
    get_json_only,
    link_header,
    links_for,
    only,
    page_limit,
    page_links,
)
from app.formats.tabular import Plain, csv_example, dumps

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "Format",
    "FormatDep",
    "FormatSpec",
    "JsonOnlyDep",
    "Plain",
    "collection_get",
    "collection_response",
    "csv_example",
    "csv_responses",
    "dumps",
    "get_format",
    "get_json_only",
    "item_model",
    "json_content_response",
    "json_response",
    "link_header",
    "links_for",
    "negotiate",
    "only",
    "page_limit",
    "page_links",
    "rows_response",
]
