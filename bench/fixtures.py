"""The recorded API answers that the comparison apps replay (status, headers, body)."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def save(path: Path, answers: dict[str, Recorded]) -> None:
    data = {
        url: {
            "status": r.status,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in r.headers],
            "body": base64.b64encode(r.body).decode(),
        }
        for url, r in answers.items()
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def load(path: Path | None = None) -> dict[str, Recorded]:
    """Answers keyed by "path" or "path?query" (BENCH_FIXTURES names the file)."""
    path = path or Path(os.environ["BENCH_FIXTURES"])
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        url: Recorded(
            status=item["status"],
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in item["headers"]],
            body=base64.b64decode(item["body"]),
        )
        for url, item in data.items()
    }
