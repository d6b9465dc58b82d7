"""The TypeScript client of docs/sdk.md: openapi-typescript's types of the live document,
checked with `tsc --strict`, then run with node against the live server (pinned npm packages:
package.json; `.ci/openapi sdk` runs this after `npm ci`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from app.config import PROJECT_ROOT

pytestmark = pytest.mark.sdk

NODE_MODULES = PROJECT_ROOT / "node_modules"
EXAMPLE = PROJECT_ROOT / "sdk" / "typescript"
RUN = """
import { polandShareOfGdp, meeting } from "./build/example.js";
const [base] = process.argv.slice(2);
const items = await polandShareOfGdp(base, 2024);
console.log(JSON.stringify({ items, meeting: await meeting(base, 2024, "2025-04") }));
"""


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def compiled(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example compiled with `tsc --strict` against the types of the served document."""
    if not (NODE_MODULES / ".bin" / "tsc").exists():
        pytest.fail("node_modules is missing: run `npm ci` (.ci/openapi does)")
    work = tmp_path_factory.mktemp("typescript")
    (work / "node_modules").symlink_to(NODE_MODULES)
    (work / "openapi.json").write_bytes(httpx.get(f"{live_server}/openapi.json").content)
    bin_ = NODE_MODULES / ".bin"
    run(bin_ / "openapi-typescript", "openapi.json", "-o", "schema.d.ts", cwd=work)
    for name in ("example.ts", "tsconfig.json"):
        shutil.copy(EXAMPLE / name, work / name)
    run(bin_ / "tsc", "-p", ".", "--strict", cwd=work)
    (work / "run.mjs").write_text(RUN)
    return work


def test_the_typescript_example_type_checks_and_reads_the_api(
    compiled: Path, live_server: str
) -> None:
    answer = json.loads(run("node", "run.mjs", live_server, cwd=compiled))
    expected = httpx.get(
        f"{live_server}/v1/observations",
        params={"ally": "POL", "indicator": "share_gdp", "year": 2024},
    ).json()
    assert answer["items"] == expected["items"]
    assert answer["items"]  # Poland has 2024 figures in several editions
    compliance = httpx.get(
        f"{live_server}/v1/compliance", params={"year": 2024, "edition": "2025-04"}
    ).json()
    assert answer["meeting"] == compliance["summary"]["meeting_allies"]


def test_without_the_media_type_the_items_do_not_type_check(compiled: Path) -> None:
    """Why docs/sdk.md says `createClient<paths, "application/json">`: every collection also
    answers text, so the body's type is a union with string."""
    source = (compiled / "example.ts").read_text()
    untold = source.replace('createClient<paths, "application/json">', "createClient<paths>")
    assert untold != source
    (compiled / "example.ts").write_text(untold)
    try:
        done = subprocess.run(
            [str(NODE_MODULES / ".bin" / "tsc"), "-p", ".", "--noEmit"],
            cwd=compiled,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        (compiled / "example.ts").write_text(source)
    assert done.returncode != 0
    assert "Property 'items' does not exist on type 'string'" in done.stdout
