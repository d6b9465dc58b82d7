"""Every operation through the Python client that openapi-python-client generates from the
document (.ci/openapi sdk), against a live server: JSON parsed into the client's models, text
as text, downloads as bytes. Marked `sdk`: it needs the generated client."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import json
import os
import pkgutil
import sqlite3
import sys
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import openpyxl
import pytest

from app.config import PROJECT_ROOT
from app.formats.xlsx import XLSX_TYPE as XLSX
from tests.conftest import data_rows

pytestmark = pytest.mark.sdk

SDK_PATH = PROJECT_ROOT / os.environ.get("NATO_SDK_PATH", "var/openapi/sdk")

# One call per operation of the document, by operation id (= the client's module name), with
# arguments that find figures. An operation missing here fails the test.
CALLS: dict[str, dict[str, Any]] = {
    "healthz": {},
    "readyz": {},
    "get_metrics": {},
    "get_meta": {},
    "get_citation": {"edition": "2024-06"},
    "list_allies": {},
    "get_ally": {"ally": "pl"},
    # A short page: the answer carries a Link header, which must be declared.
    "list_ally_series": {"ally": "POL", "indicator": ["share_gdp"], "limit": 5},
    "list_observations": {"ally": ["POL", "USA"], "indicator": ["share_gdp"], "year": 2024},
    "list_indicators": {},
    "get_indicator": {"indicator_id": "share_gdp"},
    "list_editions": {},
    "get_edition": {"edition_id": "2024-06"},
    "list_sources": {},
    "get_source": {"source_id": "nato-def-exp-2024-xlsx"},
    "list_compliance": {"year": 2024, "edition": "2024-06"},
    "list_compliance_history": {"edition": "2026-07"},
    "list_totals": {"from_": 2024, "to": 2024, "edition": "2024-06"},
    "list_revisions": {"ally": "USA", "indicator": "share_gdp", "year": 2024},
    "list_revision_changes": {"from_edition": "2025-04", "to_edition": "2025-08"},
    "list_quotes": {"q": "twenty-three"},
    "get_quote": {"quote_id": data_rows("quotes.csv")[0]["id"]},
    "list_speakers": {},
    "check_claim": {"ally": "USA", "year": 2024, "value": "3.19"},
    "get_export": {},
    "get_export_sqlite": {},
    "get_compliance_chart": {"year": 2024},
    "get_ally_chart": {"ally": "POL", "edition": ["2024-06", "2026-07"]},
    "list_pathways": {"ally": ["POL", "USA"], "target": "3.5", "by": 2035},
    "get_ally_pathway": {"ally": "fr", "pace_years": 2},
    "get_pathways_chart": {"by": 2030, "pace_years": 5},
    "get_ally_pathway_chart": {"ally": "USA", "edition": "2024-06", "by": 2030},
    "get_editions_feed": {},
}
# Each collection's one-format operations (`/v1/observations.csv`, `.ndjson`, `.xlsx`): same
# arguments.
# Every list_* operation is a collection, and the claim check (its verdicts); the test below
# fails when this misses one.
COLLECTIONS = [name for name in CALLS if name.startswith("list_")] + ["check_claim"]
CALLS |= {f"{name}_{fmt}": CALLS[name] for name in COLLECTIONS for fmt in ("csv", "ndjson", "xlsx")}


def _zip(body: bytes) -> None:
    assert "observations.csv" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def _sqlite(body: bytes) -> None:
    conn = sqlite3.connect(":memory:")
    conn.deserialize(body)
    assert conn.execute("SELECT count(*) FROM allies").fetchone() == (32,)
    conn.close()


def _svg(body: bytes) -> None:
    assert body.lstrip().startswith((b"<svg", b"<?xml"))
    assert body.rstrip().endswith(b"</svg>")


def _atom(body: bytes) -> None:
    assert body.startswith(b"<?xml")
    assert b'<feed xmlns="http://www.w3.org/2005/Atom"' in body


def _csv(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 1
    assert all(len(row) == len(rows[0]) for row in rows)


def _ndjson(text: str) -> None:
    lines = text.splitlines()
    assert lines
    assert all(isinstance(json.loads(line), dict) for line in lines)


def _xlsx(body: bytes) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert book.sheetnames[-1] == "About"
    assert next(book.worksheets[0].iter_rows(max_row=1, values_only=True))


def _metrics(text: str) -> None:
    assert text.startswith("# HELP ")


# Headers whose presence clients act on: each one sent must be declared.
DECLARED_HEADERS = ("ETag", "Cache-Control", "Link", "Content-Disposition", "X-Total-Count")

# What a body the client hands over as bytes or text must be, by media type.
BODY_CHECKS: dict[str, Callable[[Any], None]] = {
    "application/zip": _zip,
    "application/vnd.sqlite3": _sqlite,
    "image/svg+xml": _svg,
    "application/atom+xml": _atom,
    "text/csv": _csv,
    "application/x-ndjson": _ndjson,
    XLSX: _xlsx,
    "text/plain": _metrics,
}


@pytest.fixture(scope="module")
def document(live_server: str) -> dict[str, Any]:
    """The document the live server serves."""
    with urllib.request.urlopen(f"{live_server}/openapi.json", timeout=30) as answer:
        body: dict[str, Any] = json.load(answer)
    return body


@pytest.fixture(scope="module")
def sdk(document: dict[str, Any]) -> Iterator[ModuleType]:
    """The generated package `nato_api_client` from NATO_SDK_PATH, generated from this very
    document (a stale client would test an older API)."""
    if not (SDK_PATH / "nato_api_client").is_dir():
        reason = f"no generated client in {SDK_PATH}: run `.ci/openapi sdk` (make sdk)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    generated_from = json.loads((SDK_PATH / "openapi.json").read_text(encoding="utf-8"))
    if generated_from != document:
        pytest.fail(f"the client in {SDK_PATH} is stale: run `.ci/openapi sdk` (make sdk)")
    sys.path.insert(0, str(SDK_PATH))
    try:
        yield importlib.import_module("nato_api_client")
    finally:
        sys.path.remove(str(SDK_PATH))


@pytest.fixture(scope="module")
def client(sdk: ModuleType, live_server: str) -> Iterator[Any]:
    with sdk.Client(base_url=live_server, raise_on_unexpected_status=True) as api:
        yield api


def _operations(sdk: ModuleType) -> dict[str, ModuleType]:
    api = importlib.import_module(f"{sdk.__name__}.api")
    found = {}
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        if not info.ispkg:
            found[info.name.rsplit(".", 1)[1]] = importlib.import_module(info.name)
    return found


def _same(mine: Any, sent: Any) -> bool:
    """Equal JSON, a timestamp written another way (+00:00 for Z) being the same instant."""
    if isinstance(mine, dict) and isinstance(sent, dict):
        return mine.keys() == sent.keys() and all(_same(mine[k], sent[k]) for k in mine)
    if isinstance(mine, list) and isinstance(sent, list):
        return len(mine) == len(sent) and all(map(_same, mine, sent))
    if isinstance(mine, str) and isinstance(sent, str) and mine != sent and "T" in sent:
        try:
            return dt.datetime.fromisoformat(mine) == dt.datetime.fromisoformat(sent)
        except ValueError:
            return False
    return bool(mine == sent) and type(mine) is type(sent)


def _ok_media_type(document: dict[str, Any], operation_id: str) -> tuple[str, dict[str, Any]]:
    """The first media type of the operation's 200 (the one the generator parses), and the
    200."""
    for methods in document["paths"].values():
        for operation in methods.values():
            if operation["operationId"] == operation_id:
                ok: dict[str, Any] = operation["responses"]["200"]
                return next(iter(ok["content"])), ok
    raise AssertionError(f"{operation_id} is not in the document")


def test_every_operation_has_a_call_and_a_module(sdk: ModuleType, document: dict[str, Any]) -> None:
    operation_ids = {
        op["operationId"] for item in document["paths"].values() for op in item.values()
    }
    assert set(_operations(sdk)) == operation_ids, "the generator left an operation out"
    assert set(CALLS) == operation_ids, "every operation must be called below"


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_operation_through_the_client(
    sdk: ModuleType,
    client: Any,
    document: dict[str, Any],
    operation_id: str,
) -> None:
    module = _operations(sdk)[operation_id]
    response = module.sync_detailed(client=client, **CALLS[operation_id])
    assert response.status_code == 200, response.content[:300]
    media_type, ok = _ok_media_type(document, operation_id)
    assert response.headers["content-type"].split(";")[0] == media_type
    sent = {name for name in DECLARED_HEADERS if name in response.headers}
    assert sent <= set(ok.get("headers", {})), "a header the document does not declare"
    parsed = response.parsed
    if media_type == "application/json" or media_type.endswith("+json"):
        # Parsed into the model the document names (or a list of models), which keeps every
        # field it was sent.
        ref = ok["content"][media_type]["schema"].get("$ref", "")
        if ref:
            assert type(parsed).__name__ == ref.rsplit("/", 1)[1].replace("_", "")
        mine = [item.to_dict() for item in parsed] if isinstance(parsed, list) else parsed.to_dict()
        assert _same(mine, json.loads(response.content))
    elif media_type.startswith("text/") or media_type == "application/x-ndjson":
        assert parsed == response.content.decode("utf-8")
        BODY_CHECKS[media_type](parsed)
    else:
        assert isinstance(parsed, sdk.types.File)
        body = parsed.payload.read()
        assert body == response.content
        BODY_CHECKS[media_type](body)


def test_errors_are_parsed_as_problems(sdk: ModuleType, client: Any) -> None:
    operations = _operations(sdk)
    missing = operations["get_ally"].sync_detailed(client=client, ally="XXX")
    assert missing.status_code == 404
    assert type(missing.parsed).__name__ == "Problem"
    assert missing.parsed.status == 404
    assert "XXX" in missing.parsed.detail
    invalid = operations["list_observations"].sync_detailed(client=client, year=1800)
    assert invalid.status_code == 422
    assert invalid.parsed.status == 422
    assert invalid.parsed.errors[0].parameter == "year"
    assert invalid.parsed.errors[0].input_ == "1800"
