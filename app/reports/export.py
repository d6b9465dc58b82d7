"""The offline bundle: the loaded tables as the seed's CSV files in a zip that is a Frictionless
data package (rows from queries/export.py, file specs from seed/contract.py); the SQLite
download is app/analytic_db.py's."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from typing import Any

import orjson
from sqlalchemy.orm import Session

from app.models import Aggregate, Observation
from app.queries import export as q
from app.queries.citation import DATASET_TITLE, select_official_url
from app.queries.meta import (
    LoadedDataset,
    select_dataset,
    select_edition_summaries,
    select_row_counts,
    select_source_summaries,
)
from app.terms import how_to_cite
from seed.contract import SPECS, FileSpec, resource_name, table_schema

SQLITE_TYPE = "application/vnd.sqlite3"


def _cell(value: Any) -> str:
    """The seed files' spelling: empty for null, true/false, ISO dates, text as published."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _table_csv(session: Session, spec: FileSpec) -> bytes:
    """One table in its seed file's columns and syntax (UTF-8, LF, RFC 4180 quoting)."""
    attributes = [spec.renames.get(c, c) for c in spec.columns]
    # Figures in load order (= file order); the other tables by primary key.
    order = "id" if spec.model in (Observation, Aggregate) else spec.key[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.columns)
    for row in q.select_table(session, spec.model, attributes, order):
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _metadata(session: Session, dataset: LoadedDataset) -> bytes:
    return orjson.dumps(
        {
            "dataset_version": dataset.version,
            "loaded_at": dataset.loaded_at,
            "source_file_sha256": dataset.files.get("sha256", {}),
            "row_counts": select_row_counts(session),
            "editions": [
                {
                    "id": e.id,
                    "title": e.title,
                    "published_on": e.published_on,
                    "expenditure_definition": e.expenditure_definition,
                }
                for e in select_edition_summaries(session)
            ],
            "sources": [
                {"id": s.id, "title": s.title, "url": s.url, "trust": s.trust}
                for s in select_source_summaries(session)
            ],
        },
        option=orjson.OPT_INDENT_2,
    )


def _datapackage(session: Session, dataset: LoadedDataset, files: dict[str, bytes]) -> bytes:
    """datapackage.json (Frictionless Data Package v1): each CSV file with its Table Schema
    from the data contract's file specifications (seed/contract.py), its size and SHA-256.

    No `licenses`: the code's licence is not the figures', and NATO has given none for them
    here; the description says so and how to cite, and `sources` names NATO's publications
    (the editions) and where each figure was read."""
    publications = []
    for edition in select_edition_summaries(session):
        url = select_official_url(session, edition.id)
        title = f"NATO, {edition.title} ({edition.published_on.isoformat()}; edition {edition.id})"
        publications.append({"title": title} | ({"path": url} if url else {}))
    read_from = [
        {"title": s.title} | ({"path": s.url} if s.url else {})
        for s in select_source_summaries(session)
    ]
    descriptor = {
        "profile": "tabular-data-package",
        "name": "nato-defence-expenditure",
        "title": DATASET_TITLE,
        "version": dataset.version,
        "created": dataset.loaded_at.isoformat(),
        "description": how_to_cite(dataset.version),
        "sources": publications + read_from,
        "resources": [
            {
                "name": resource_name(spec.name),
                "path": spec.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(files[spec.name]),
                "hash": f"sha256:{hashlib.sha256(files[spec.name]).hexdigest()}",
                "schema": table_schema(spec),
            }
            for spec in SPECS
        ],
    }
    return orjson.dumps(descriptor, option=orjson.OPT_INDENT_2)


README = """# NATO defence expenditure: offline bundle

Dataset version {version} (loaded {loaded_at}).

The CSV files hold every row the API serves, in the seed files' format: UTF-8, one header
row, LF line ends, RFC 4180 quoting, `true`/`false`, an empty cell for unknown (never 0).
Figures keep their `edition` and `source_id`; values are the published text (`2.00` keeps its
zeros). Observations and aggregates are in load order, the other files by their key.
`metadata.json` lists the editions, sources and row counts. The zip is a Frictionless data
package: `datapackage.json` gives each file's Table Schema (types, primary and foreign keys),
size and SHA-256, so `frictionless validate` checks it whole. The figures are NATO's: cite the
edition and this dataset's version (see its `description`). The same data as one SQLite file:
GET /v1/export/sqlite.

## SHA-256

Check with `sha256sum -c` on these lines:

```
{sums}
```
"""


def build_bundle(session: Session) -> tuple[str, bytes]:
    """(dataset version, zip bytes). Deterministic: the same data gives the same bytes."""
    dataset = select_dataset(session)
    files = {spec.name: _table_csv(session, spec) for spec in SPECS}
    files["metadata.json"] = _metadata(session, dataset)
    files["datapackage.json"] = _datapackage(session, dataset, files)
    sums = "\n".join(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in files.items())
    readme = README.format(
        version=dataset.version, loaded_at=dataset.loaded_at.isoformat(), sums=sums
    )
    stamp = dataset.loaded_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in {"README.md": readme.encode(), **files}.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return dataset.version, buffer.getvalue()
