"""Whole CSV and NDJSON answers, the one-format twins of every collection, and the 406 wording."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.test_hardening import OPERATIONS, SPEC, example_url, required_query

# Filters over which whole answers are counted against the JSON `total`.
FILTERS = [
    "/v1/observations?",
    "/v1/observations?indicator=share_gdp",
    "/v1/observations?ally=ISL",
    "/v1/observations?edition=2024-06&year=2024",
    "/v1/observations?as_of=2025-05-01&is_estimate=true&sort=-value",
    "/v1/allies/POL/series?from=2020",
    "/v1/quotes?",
    "/v1/revisions/changes?from_edition=2024-06&to_edition=2025-04",
]
# The operations that negotiate JSON, CSV and NDJSON (`format` is the Format enum).
COLLECTIONS = sorted(
    path
    for path, op in OPERATIONS
    if any(
        p["name"] == "format" and "#/components/schemas/Format" in str(p["schema"])
        for p in op.get("parameters", [])
    )
)


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def _ndjson(body: bytes) -> list[dict[str, Any]]:
    assert body == b"" or body.endswith(b"\n")
    return [orjson.loads(line) for line in body.splitlines()]


@pytest.mark.parametrize("url", FILTERS)
def test_whole_csv_and_ndjson_hold_every_matching_item(client: TestClient, url: str) -> None:
    total = client.get(f"{url}&limit=1").json()["total"]
    csv_answer = client.get(f"{url}&format=csv")
    ndjson_answer = client.get(f"{url}&format=ndjson")
    assert len(_csv_rows(csv_answer.content)) == total
    assert len(_ndjson(ndjson_answer.content)) == total
    for answer in (csv_answer, ndjson_answer):
        assert answer.status_code == 200
        assert answer.headers["x-total-count"] == str(total)
        assert "link" not in answer.headers


def test_limit_or_offset_makes_csv_and_ndjson_a_page(client: TestClient) -> None:
    json_page = client.get("/v1/observations?indicator=share_gdp&limit=7&offset=3").json()
    for query in ("limit=7&offset=3", "offset=3&limit=7"):
        answer = client.get(f"/v1/observations?indicator=share_gdp&{query}&format=ndjson")
        assert _ndjson(answer.content) == json_page["items"]
        assert answer.headers["x-total-count"] == str(json_page["total"])
        assert 'rel="next"' in answer.headers["link"]
    total = json_page["total"]
    offset_only = client.get(f"/v1/observations.csv?indicator=share_gdp&offset={total - 3}")
    assert len(_csv_rows(offset_only.content)) == 3  # the default page of 100, at the end
    assert 'rel="prev"' in offset_only.headers["link"]


def test_json_keeps_its_pages(client: TestClient) -> None:
    page = client.get("/v1/observations")
    assert len(page.json()["items"]) == 100
    assert page.headers["x-total-count"] == str(page.json()["total"])


def test_ndjson_lines_are_the_json_items(client: TestClient) -> None:
    items = client.get("/v1/observations?ally=POL&limit=1000").json()["items"]
    by_accept = client.get("/v1/observations?ally=POL", headers={"Accept": "application/x-ndjson"})
    assert by_accept.headers["content-type"] == "application/x-ndjson"
    assert by_accept.headers["content-disposition"] == 'attachment; filename="observations.ndjson"'
    assert _ndjson(by_accept.content) == items
    totals = client.get("/v1/totals").json()["items"]  # nested values stay JSON
    assert _ndjson(client.get("/v1/totals?format=ndjson").content) == totals


def test_the_whole_csv_is_the_pages_csv_joined(client: TestClient) -> None:
    """Streaming changes no byte: the whole answer is the header and every page's rows."""
    whole = client.get("/v1/observations.csv?indicator=share_gdp")
    total = int(whole.headers["x-total-count"])
    pages = [
        client.get(f"/v1/observations.csv?indicator=share_gdp&offset={o}&limit=100").content
        for o in range(0, total, 100)
    ]
    header = pages[0].split(b"\r\n", 1)[0] + b"\r\n"
    assert whole.content == header + b"".join(p.split(b"\r\n", 1)[1] for p in pages)


@pytest.mark.parametrize("path", COLLECTIONS)
def test_every_collection_has_one_format_twins(client: TestClient, path: str) -> None:
    op = SPEC["paths"][path]["get"]
    url, query = example_url(path, op), required_query(op)
    for fmt, media_type in (("csv", "text/csv"), ("ndjson", "application/x-ndjson")):
        twin = SPEC["paths"][f"{path}.{fmt}"]["get"]
        assert twin["operationId"] == f"{op['operationId']}_{fmt}"
        assert list(twin["responses"]["200"]["content"]) == [media_type]
        assert "format" not in {p["name"] for p in twin.get("parameters", [])}
        assert {p["name"] for p in twin.get("parameters", [])} == {
            p["name"] for p in op["parameters"] if p["name"] != "format"
        }
        answer = client.get(f"{url}.{fmt}", params=query)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(media_type)
        assert answer.content == client.get(url, params={**query, "format": fmt}).content
        refused = client.get(f"{url}.{fmt}", params={**query, "format": "json"})
        assert refused.status_code == 406
        assert refused.json()["available"] == [media_type]


def test_the_negotiating_operation_declares_every_format() -> None:
    for path in COLLECTIONS:
        content = SPEC["paths"][path]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", "application/x-ndjson"} <= set(content), path


# --- what pandas reads ---------------------------------------------------------------------


def test_pandas_reads_the_whole_csv_and_ndjson(client: TestClient, live_server: str) -> None:
    total = client.get("/v1/observations?limit=1").json()["total"]
    # Exact floats: pandas' JSON parser may be off in the last digit unless told (its CSV
    # parser is exact by default since pandas 3).
    from_csv = pd.read_csv(f"{live_server}/v1/observations.csv", dtype={"value_text": str})
    from_ndjson = pd.read_json(
        f"{live_server}/v1/observations?format=ndjson",
        lines=True,
        dtype={"value_text": str},
        precise_float=True,
    )
    for frame in (from_csv, from_ndjson):
        assert len(frame) == total
        assert frame["value"].dtype == "float64"
        assert frame["year"].dtype == "int64"
        assert frame["is_estimate"].dtype == "bool"
        assert frame["notes"].isna().any()  # missing: NaN, never "" or 0
        assert not (frame["notes"] == "").any()
    assert from_csv["value"].tolist() == from_ndjson["value"].tolist()
    assert from_csv["value"].tolist() == [float(v) for v in from_csv["value_text"]]


def test_pandas_reads_iceland_without_inventing_figures(live_server: str) -> None:
    url = f"{live_server}/v1/observations.ndjson?ally=ISL&indicator=share_gdp"
    iceland = pd.read_json(url, lines=True)
    assert iceland.empty  # Iceland has no expenditure figures: no rows, never zeros
    header_only = pd.read_csv(url.replace(".ndjson", ".csv"))
    assert header_only.empty
    assert "value" in header_only.columns


# --- 406: what the resource really offers ---------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers", "asked", "offers"),
    [
        (
            "/v1/meta",
            {"Accept": "image/png"},
            "Accept: image/png",
            "application/json (format=json) only",
        ),
        ("/v1/meta?format=csv", {}, "format=csv", "application/json (format=json) only"),
        (
            "/v1/observations",
            {"Accept": "image/png"},
            "Accept: image/png",
            "application/json (format=json), text/csv (format=csv), application/x-ndjson "
            "(format=ndjson) or application/vnd.openxmlformats-officedocument.spreadsheetml."
            "sheet (format=xlsx)",
        ),
        (
            "/v1/observations.csv",
            {"Accept": "application/json"},
            "Accept: application/json",
            "text/csv (format=csv) only",
        ),
        (
            "/v1/allies.ndjson?format=csv",
            {},
            "format=csv",
            "application/x-ndjson (format=ndjson) only",
        ),
        (
            "/v1/citation",
            {"Accept": "image/png"},
            "Accept: image/png",
            "application/vnd.citationstyles.csl+json (format=csl-json), application/x-bibtex "
            "(format=bibtex) or application/x-research-info-systems (format=ris)",
        ),
        (
            "/v1/charts/compliance.svg?year=2024",
            {"Accept": "application/json"},
            "Accept: application/json",
            "image/svg+xml (format=svg) only",
        ),
    ],
)
def test_406_names_what_the_resource_offers(
    client: TestClient, url: str, headers: dict[str, str], asked: str, offers: str
) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 406
    body = response.json()
    assert body["detail"] == f"Cannot answer with {asked}. This resource is available as {offers}."
    offered = offers.removesuffix(" only").replace(" or ", ", ").split(", ")
    assert body["available"] == [offer.split(" ")[0] for offer in offered]
    assert response.headers["vary"] == "Accept, Accept-Encoding, Origin"
