"""The OpenAPI document: the /v1 stability promise and complete, described routes."""

from __future__ import annotations

import tomllib
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.edge.cache import NO_CACHE_PATHS
from app.formats.xlsx import XLSX_TYPE
from app.openapi import COLLECTION_FORMATS

# Within /v1, paths and operation ids are only ever added: this list may grow, never shrink.
STABLE_OPERATIONS = {
    ("/healthz", "get"): "healthz",
    ("/readyz", "get"): "readyz",
    ("/v1/meta", "get"): "get_meta",
    ("/v1/allies", "get"): "list_allies",
    ("/v1/allies/{ally}", "get"): "get_ally",
    ("/v1/allies/{ally}/series", "get"): "list_ally_series",
    ("/v1/observations", "get"): "list_observations",
    ("/v1/indicators", "get"): "list_indicators",
    ("/v1/indicators/{indicator_id}", "get"): "get_indicator",
    ("/v1/editions", "get"): "list_editions",
    ("/v1/editions/{edition_id}", "get"): "get_edition",
    ("/v1/sources", "get"): "list_sources",
    ("/v1/sources/{source_id}", "get"): "get_source",
    ("/v1/allies.csv", "get"): "list_allies_csv",
    ("/v1/allies.ndjson", "get"): "list_allies_ndjson",
    ("/v1/allies/{ally}/series.csv", "get"): "list_ally_series_csv",
    ("/v1/allies/{ally}/series.ndjson", "get"): "list_ally_series_ndjson",
    ("/v1/observations.csv", "get"): "list_observations_csv",
    ("/v1/observations.ndjson", "get"): "list_observations_ndjson",
    ("/v1/indicators.csv", "get"): "list_indicators_csv",
    ("/v1/indicators.ndjson", "get"): "list_indicators_ndjson",
    ("/v1/editions.csv", "get"): "list_editions_csv",
    ("/v1/editions.ndjson", "get"): "list_editions_ndjson",
    ("/v1/sources.csv", "get"): "list_sources_csv",
    ("/v1/sources.ndjson", "get"): "list_sources_ndjson",
    ("/v1/pathways", "get"): "list_pathways",
    ("/v1/pathways.csv", "get"): "list_pathways_csv",
    ("/v1/pathways.ndjson", "get"): "list_pathways_ndjson",
    ("/v1/pathways/{ally}", "get"): "get_ally_pathway",
    ("/v1/editions.atom", "get"): "get_editions_feed",
}
# Parameters clients rely on: only ever added.
STABLE_PARAMETERS = {
    "/v1/observations": {
        "ally",
        "indicator",
        "year",
        "from",
        "to",
        "edition",
        "as_of",
        "is_estimate",
        "sort",
        "limit",
        "offset",
        "format",
    },
    "/v1/allies/{ally}/series": {
        "ally",
        "indicator",
        "year",
        "from",
        "to",
        "edition",
        "as_of",
        "is_estimate",
        "sort",
        "limit",
        "offset",
        "format",
    },
}
# Fields clients rely on, per response model: only ever added.
STABLE_FIELDS = {
    "ObservationRead": [
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
    ],
    "ObservationPage": ["items", "total", "limit", "offset", "next", "prev", "edition_rule"],
    "AllyRead": [
        "iso3",
        "iso2",
        "iso_numeric",
        "name",
        "accession_year",
        "region",
        "currency",
        "in_expenditure_tables",
        "latest_share_gdp",
        "latest_share_gdp_year",
        "latest_share_gdp_edition",
    ],
    "EditionRead": [
        "id",
        "published_on",
        "data_cutoff_on",
        "constant_price_base_year",
        "estimate_years",
        "official_tables_available",
        "expenditure_definition",
    ],
    "IndicatorRead": ["id", "name", "unit", "description"],
    "SourceRead": ["id", "title", "url", "publisher", "kind", "trust"],
}
COLLECTIONS = {
    "list_allies",
    "list_ally_series",
    "list_observations",
    "list_indicators",
    "list_editions",
    "list_sources",
}


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): op
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }


def _v1(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    ops = _operations(document)
    return {key: op for key, op in ops.items() if key in STABLE_OPERATIONS}


def test_every_stable_path_and_operation_id_is_kept(document: dict[str, Any]) -> None:
    ops = _operations(document)
    for key, operation_id in STABLE_OPERATIONS.items():
        assert key in ops, f"{key} was removed: /v1 only ever adds"
        assert ops[key]["operationId"] == operation_id


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in _operations(document).values()]
    assert len(ids) == len(set(ids))


def test_stable_parameters_are_kept(document: dict[str, Any]) -> None:
    for path, names in STABLE_PARAMETERS.items():
        declared = {p["name"] for p in document["paths"][path]["get"]["parameters"]}
        assert names <= declared


def test_stable_fields_are_kept(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for model, fields in STABLE_FIELDS.items():
        assert set(fields) <= set(schemas[model]["properties"]), model
    observation = list(schemas["ObservationRead"]["properties"])
    assert observation[:10] == STABLE_FIELDS["ObservationRead"]


def test_every_route_has_summary_description_and_problem_responses(
    document: dict[str, Any],
) -> None:
    for (path, _), op in _v1(document).items():
        assert op.get("summary"), path
        assert op.get("description"), path
        if not path.startswith("/v1") or path == "/v1/meta":
            continue
        errors = {code: r for code, r in op["responses"].items() if code[0] in "45"}
        assert {"400", "406", "413", "414", "422", "431", "503"} <= set(errors), path
        if "{" in path:
            assert "404" in errors, path
        assert set(errors["503"]["headers"]) == {"Retry-After"}, path
        for response in errors.values():
            assert list(response["content"]) == ["application/problem+json"], path
            assert response["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_collections_declare_every_format_json_first(document: dict[str, Any]) -> None:
    negotiating = set()
    for op in _operations(document).values():
        content = op["responses"]["200"]["content"]
        formats = [p for p in op.get("parameters", []) if p["name"] == "format"]
        if formats and "#/components/schemas/Format" in str(formats[0]["schema"]):
            negotiating.add(op["operationId"])
            # JSON first: a generator that reads one media type reads JSON.
            assert list(content) == ["application/json", *COLLECTION_FORMATS]
            for media_type in COLLECTION_FORMATS:
                binary = {"format": "binary"} if media_type == XLSX_TYPE else {}
                assert content[media_type]["schema"] == {"type": "string", **binary}
    assert negotiating >= COLLECTIONS


def test_collection_twins_declare_one_format(document: dict[str, Any]) -> None:
    twins = 0
    for op in _v1(document).values():
        content = op["responses"]["200"]["content"]
        name, _, twin = op["operationId"].rpartition("_")
        if name in COLLECTIONS and twin == "csv":
            assert list(content) == ["text/csv"]
            assert content["text/csv"]["example"].count("\r\n") == 2
        elif name in COLLECTIONS and twin == "ndjson":
            assert list(content) == ["application/x-ndjson"]
        else:
            continue
        twins += 1
        assert set(op["responses"]["200"]["headers"]) >= {"ETag", "X-Total-Count"}
    assert twins == 2 * len(COLLECTIONS)


def test_downloads_and_charts_declare_binary_bodies(document: dict[str, Any]) -> None:
    binary = {"type": "string", "format": "binary"}
    for path, media_type in (
        ("/v1/export", "application/zip"),
        ("/v1/export/sqlite", "application/vnd.sqlite3"),
        ("/v1/charts/compliance.svg", "image/svg+xml"),
        ("/v1/charts/allies/{ally}.svg", "image/svg+xml"),
    ):
        ok = document["paths"][path]["get"]["responses"]["200"]
        assert ok["content"] == {media_type: {"schema": binary}}, path
        assert "Content-Disposition" in ok["headers"], path


def test_cache_headers_and_304_are_declared_where_the_cache_answers(
    document: dict[str, Any],
) -> None:
    for (path, _), op in _operations(document).items():
        responses = op["responses"]
        headers = responses["200"].get("headers", {})
        if path in NO_CACHE_PATHS:
            assert "304" not in responses, path
            assert "ETag" not in headers, path
            continue
        validators = {"ETag", "Cache-Control", "Accept-Ranges", "Last-Modified"}
        assert validators <= set(headers), path
        assert "content" not in responses["304"], path
        assert set(responses["304"]["headers"]) == validators, path
        # Every stored answer answers one byte range (app/edge/ranges.py).
        assert responses["206"]["content"] == responses["200"]["content"], path
        assert "Content-Range" in responses["206"]["headers"], path
        assert "416" in responses, path
        paged = any(p["name"] == "offset" for p in op.get("parameters", []))
        assert ("Link" in headers) == paged, path
        assert ("Content-Disposition" in headers) == (
            set(responses["200"]["content"]) - {"application/json", "text/plain"} != set()
        ), path


@pytest.mark.parametrize(
    ("route", "url", "headers", "status"),
    [
        ("/v1/allies/{ally}", "/v1/allies/XXX", {}, 404),
        ("/v1/allies", "/v1/allies?colour=red", {}, 400),
        ("/v1/allies/{ally}", "/v1/allies/POL", {"Accept": "text/csv"}, 406),
        ("/v1/observations", "/v1/observations?year=1800", {}, 422),
        ("/v1/observations", "/v1/observations?ally=" + "A," * 3000, {}, 414),
    ],
)
def test_every_status_the_api_answers_is_declared(
    client: TestClient,
    document: dict[str, Any],
    route: str,
    url: str,
    headers: dict[str, str],
    status: int,
) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    declared = document["paths"][route]["get"]["responses"][str(status)]
    assert declared["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }


def test_a_body_and_a_conditional_request_answer_as_declared(
    client: TestClient, document: dict[str, Any]
) -> None:
    responses = document["paths"]["/v1/meta"]["get"]["responses"]
    assert client.request("GET", "/v1/meta", content=b"x").status_code == 413
    assert "413" in responses
    etag = client.get("/v1/meta").headers["etag"]
    assert client.get("/v1/meta", headers={"If-None-Match": etag}).status_code == 304
    assert "304" in responses


def test_every_parameter_is_described(document: dict[str, Any]) -> None:
    for (path, _), op in _v1(document).items():
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def _refs(node: Any, kind: str = "schemas") -> set[str]:
    """Names of the components of one kind (schemas, headers, ...) that `node` refers to."""
    prefix = f"#/components/{kind}/"
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        found = {ref.removeprefix(prefix)} if ref.startswith(prefix) else set()
        for value in node.values():
            found |= _refs(value, kind)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v, kind) for v in node)) if node else set()
    return set()


def test_every_response_field_is_described_with_examples_on_items(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    todo = set()
    for (path, _), op in _v1(document).items():
        if path.startswith("/v1/") and path != "/v1/meta":
            todo |= _refs(op["responses"]["200"])
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        schema = schemas[name]
        todo |= _refs(schema)
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"
    for model in ("ObservationRead", "AllyRead", "EditionRead", "IndicatorRead", "SourceRead"):
        assert model in seen
        for field, prop in schemas[model]["properties"].items():
            assert "examples" in prop, f"{model}.{field} has no example"


def test_description_states_the_edition_rules(document: dict[str, Any]) -> None:
    description = document["info"]["description"]
    assert "`edition=ID` pins one edition" in description
    assert "as_of=YYYY-MM-DD" in description
    assert "newest edition that has it" in description


def test_info_servers_contact_and_the_code_licence(document: dict[str, Any]) -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    info = document["info"]
    assert info["license"] == {"name": "MIT", "identifier": pyproject["project"]["license"]}
    assert info["contact"]["name"]
    assert document["servers"] == [
        {"url": "/", "description": "The server that serves this document"}
    ]


def test_every_tag_is_declared_described_and_used(document: dict[str, Any]) -> None:
    declared = [tag["name"] for tag in document["tags"]]
    used = {tag for op in _operations(document).values() for tag in op["tags"]}
    assert len(declared) == len(set(declared))
    assert set(declared) == used
    assert all(tag["description"] for tag in document["tags"])
    assert all(len(op["tags"]) == 1 for op in _operations(document).values())


def test_every_component_is_used(document: dict[str, Any]) -> None:
    components = document["components"]
    for kind in ("schemas", "headers"):
        # A schema may be used only by another schema: follow the references from the paths.
        used = _refs(document["paths"], kind)
        todo = set(used)
        while todo:
            name = todo.pop()
            new = _refs(components[kind][name], kind) - used
            used |= new
            todo |= new
        assert set(components[kind]) == used, kind


def _examples(node: Any, where: str = "") -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every `examples` of a schema and `example` of a media type
    or parameter."""
    found = []
    if isinstance(node, dict):
        if "schema" in node and "example" in node:
            found.append((where, node["schema"], node["example"]))
        if "type" in node or "anyOf" in node or "$ref" in node:
            found += [(where, node, example) for example in node.get("examples", [])]
        for key, value in node.items():
            found += _examples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _examples(value, f"{where}/{index}")
    return found


def test_every_example_is_valid_against_its_schema(document: dict[str, Any]) -> None:
    # The document as a registry, so that `$ref`s inside the schemas resolve.
    examples = _examples(document)
    assert len(examples) > 100
    for where, schema, example in examples:
        scoped = {**schema, "components": document["components"]}
        validator = jsonschema.Draft202012Validator(scoped)
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, (where, example, errors)


def test_every_operation_documents_the_limits_any_request_can_meet(
    document: dict[str, Any],
) -> None:
    """The server's and the edge's limits apply to every path, /healthz and /docs too."""
    for item in document["paths"].values():
        for op in item.values():
            assert {"413", "414", "431", "503"} <= set(op["responses"]), op["operationId"]


def test_the_one_format_twins_declare_no_default_page(document: dict[str, Any]) -> None:
    """Swagger's "Try it out" sends declared defaults: a twin's would make a page of 100."""
    twins = [
        (path, op)
        for (path, _), op in _operations(document).items()
        if path.endswith((".csv", ".ndjson"))
    ]
    paged = 0
    for path, op in twins:
        paging = [p for p in op.get("parameters", []) if p["name"] in ("limit", "offset")]
        paged += bool(paging)
        assert all("default" not in p["schema"] for p in paging), path
    assert paged >= 5


def test_a_twin_without_limit_or_offset_is_the_whole_table(client: TestClient) -> None:
    total = int(client.get("/v1/observations?limit=1").headers["x-total-count"])
    assert total > 100
    body = client.get("/v1/observations.csv").text
    assert len(body.splitlines()) == total + 1
