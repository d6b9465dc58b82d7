"""Dump /openapi.json and the bodies of the benchmarked paths, for a byte-for-byte comparison
of two builds (a refactor must not change what clients get).

    python -m bench.snapshot DIR                  # on each build, then:
    python -m bench.snapshot --compare DIR_A DIR_B  # exit 1 when an answer differs

A fresh SQLite database is built from this tree's migrations and seed/data, so two runs
differ by the load time alone: /v1/meta's `loaded_at` (and its ETag and length) and the
xlsx answers' "Loaded at" cell; `--compare` masks exactly these and compares every other
byte (an xlsx member by member, unzipped).
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import tempfile
import zipfile
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


# The load time in a workbook: the About sheet's cell, and the document's creation time.
_LOADED_CELL = re.compile(
    rb'(?<=Loaded at \(UTC\)</t></is></c><c r="B4" s="4"><v>)[0-9.]+'
    rb"|20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
)
_META = re.compile(rb'"loaded_at":"[^"]*"|etag: .*\n|content-length: .*\n')


def same(a: bytes, b: bytes) -> bool:
    """Two dumps of one path are the same answer, the load time aside."""
    if a == b:
        return True
    head_a, _, body_a = a.partition(b"PK\x03\x04")
    head_b, _, body_b = b.partition(b"PK\x03\x04")
    if body_a and body_b and b"spreadsheetml" in head_a:
        if _META.sub(b"", head_a) != _META.sub(b"", head_b):
            return False
        books = [zipfile.ZipFile(io.BytesIO(b"PK\x03\x04" + body)) for body in (body_a, body_b)]
        names = books[0].namelist()
        return names == books[1].namelist() and all(
            _LOADED_CELL.sub(b"", books[0].read(n)) == _LOADED_CELL.sub(b"", books[1].read(n))
            for n in names
        )
    return a.startswith(b"/v1/meta\n") and _META.sub(b"", a) == _META.sub(b"", b)


def compare(a: Path, b: Path) -> int:
    differing = 0
    for dump in sorted(a.iterdir()):
        other = b / dump.name
        if not other.exists() or not same(dump.read_bytes(), other.read_bytes()):
            differing += 1
            print("differs:", dump.read_bytes().split(b"\n", 1)[0].decode())
    print(f"{differing} of {len(list(a.iterdir()))} answers differ")
    return 1 if differing else 0


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    main(Path(sys.argv[1]))
