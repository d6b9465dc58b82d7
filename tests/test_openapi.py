"""The OpenAPI document: the /v1 stability promise and complete, described routes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

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
        assert {"400", "406", "422", "503"} <= set(errors), path
        if "{" in path:
            assert "404" in errors, path
        for response in errors.values():
            assert list(response["content"]) == ["application/problem+json"], path
            assert response["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_collections_document_their_csv_form(document: dict[str, Any]) -> None:
    for op in _v1(document).values():
        content = op["responses"]["200"]["content"]
        if op["operationId"] in COLLECTIONS:
            assert set(content) == {"application/json", "text/csv"}
            assert content["text/csv"]["example"].count("\r\n") == 2
        else:
            assert set(content) == {"application/json"}


def test_every_parameter_is_described(document: dict[str, Any]) -> None:
    for (path, _), op in _v1(document).items():
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (path, parameter["name"])


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
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
