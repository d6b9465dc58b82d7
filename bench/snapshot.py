"""Dump /openapi.json and the bodies of the benchmarked paths, for a byte-for-byte comparison
of two builds (a refactor must not change what clients get).

    python -m bench.snapshot DIR      # on each build, then: diff -r DIR_A DIR_B

A fresh SQLite database is built from this tree's migrations and seed/data; /v1/meta differs
between two runs by its `loaded_at` only.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from app.config import DEFAULT_DATA_DIR, Settings
from app.db import make_engine
from app.main import create_asgi
from app.migrate import upgrade
from bench.uncached import PATHS
from seed.loader import load

HEADERS = ("content-disposition", "x-total-count", "link", "etag", "content-length")
EXTRA = [
    "/openapi.json",
    "/v1/observations?indicator=share_gdp&format=csv&limit=1000",
    "/v1/revisions/changes?from_edition=2024-06&to_edition=2025-08&indicator=share_gdp",
    "/v1/claims/check?ally=USA&year=2024&value=3.38",
    "/v1/charts/allies/POL.svg?indicator=share_gdp",
    "/v1/totals?edition=2024-06",
    "/v1/allies/POL",
    "/v1/compliance?year=2023&threshold=3",
    # The full tables (issue 22), and pages of the distinct-query shape.
    "/v1/observations.csv",
    "/v1/observations.ndjson",
    "/v1/observations.xlsx",
    "/v1/observations.csv?edition=2024-06",
    "/v1/observations.ndjson?as_of=2025-05-01&ally=POL,USA",
    "/v1/observations?ally=POL&year=2020&limit=7",
    "/v1/observations?ally=pl&year=2020&limit=7&offset=3",
    "/v1/observations?ally=POL&year=2020&format=ndjson",
    "/v1/observations?ally=XXX",
    "/v1/observations?indicator=share_gdpp",
    "/v1/observations?edition=1999-01",
    "/v1/observations?sort=bogus",
    "/v1/allies/PL/series?indicator=share_gdp&format=csv",
    "/v1/allies/XX/series",
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'snapshot.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    load(engine, DEFAULT_DATA_DIR)
    engine.dispose()
    with TestClient(create_asgi(Settings(database_url=url))) as client:
        for path in [*PATHS, *EXTRA]:
            response = client.get(path)
            name = hashlib.sha1(path.encode()).hexdigest()[:10]
            head = f"{path}\n{response.status_code} {response.headers.get('content-type')}\n"
            for header in HEADERS:  # what a client reads besides the body
                if header in response.headers:
                    head += f"{header}: {response.headers[header]}\n"
            (out / name).write_bytes(head.encode() + response.content)
            print(name, response.status_code, len(response.content), path)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
