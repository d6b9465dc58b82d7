"""The hostile workbooks of issue 23 against `nato-api import-workbook`: time, RSS, output.

`python -m bench.hostile_workbooks [SOURCE_DIR]` builds each file at the size the issue used
(a 2 MB file of 2 GB of shared strings, a sheet of 5 million rows, a label of a million "(",
a 10 MB cell...) in a temporary folder, then runs the import of SOURCE_DIR (default: this
tree) on its own copy of seed/data, one process per file, so the same script measures a branch
before and after (e.g. a `git archive` of main in /tmp). Each run is bounded: BENCH_IMPORT_TIMEOUT
seconds (default 60) and BENCH_IMPORT_MEMORY MiB of address space (default 3072). Each file
prints one line: exit status (or "killed"), wall time, peak RSS, the number of lines written,
the first 120 characters of the last one, and whether the data folder changed. Figures,
never assertions; the checks are in tests/test_import_hostile.py.
"""

from __future__ import annotations

import hashlib
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = float(os.environ.get("BENCH_IMPORT_TIMEOUT", "60"))
MEMORY = int(os.environ.get("BENCH_IMPORT_MEMORY", "3072")) * 2**20
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
PART = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
TITLE = '<row r="1"><c r="A1" t="inlineStr"><is><t>Table 1 : Defence expenditure</t></is></c></row>'
FIXTURE = "240617-def-exp-2024-TABLES-en.xlsx"
Chunks = Callable[[], Iterator[bytes]]  # a member's bytes, written as they come
HEADER = '<row r="2"><c r="C2"><v>2014</v></c><c r="D2"><v>2015</v></c></row>'


def workbook(path: Path, members: dict[str, Chunks]) -> None:
    """A one-sheet workbook whose members are written by the given chunk generators."""
    book = openpyxl.Workbook()
    book.worksheets[0].title = "TABLE1"
    plain = io.BytesIO()
    book.save(plain)
    with (
        zipfile.ZipFile(plain) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml" and STRINGS in members:
                data = data.replace(b"</Types>", PART)
            if info.filename not in members:
                dst.writestr(info.filename, data)
        for name, chunks in members.items():
            with dst.open(name, "w", force_zip64=True) as out:
                for chunk in chunks():
                    out.write(chunk)


def sheet_of(*parts: str, rows: Chunks | None = None) -> Chunks:
    def chunks() -> Iterator[bytes]:
        yield f'<worksheet xmlns="{NS}"><sheetData>'.encode()
        for part in parts:
            yield part.encode()
        if rows is not None:
            yield from rows()
        yield b"</sheetData></worksheet>"

    return chunks


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def label_row(text: str) -> str:
    return f'<row r="3">{inline("A3", text)}<c r="C3"><v>1</v></c></row>'


def strings_bomb() -> Iterator[bytes]:
    """2 GiB of shared strings: one 1 MiB string, 2,048 times."""
    yield f'<sst xmlns="{NS}">'.encode()
    item = b"<si><t>" + b"a" * 2**20 + b"</t></si>"
    for _ in range(2048):
        yield item
    yield b"</sst>"


def rows(count: int) -> Chunks:
    def chunks() -> Iterator[bytes]:
        chunk = b"<row><c><v>1</v></c></row>" * 10_000
        for _ in range(count // 10_000):
            yield chunk

    return chunks


def styles_at_the_limit() -> Iterator[bytes]:
    """Just under MAX_MEMBER_BYTES of cell formats: the most openpyxl parses of one member."""
    head = (
        f'<styleSheet xmlns="{NS}"><fonts count="1"><font/></fonts><fills count="1"><fill>'
        '<patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs>'
    )
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    yield head.encode()
    yield xf * ((4 * 2**20 - 1000) // len(xf))
    yield b"</cellXfs></styleSheet>"


def strings_at_the_limit() -> Iterator[bytes]:
    """Just under MAX_MEMBER_BYTES of short shared strings (one Python string each)."""
    yield f'<sst xmlns="{NS}">'.encode()
    yield b"".join(b"<si><t>%07d</t></si>" % i for i in range((4 * 2**20 - 100) // 23))
    yield b"</sst>"


def build(folder: Path) -> dict[str, Path]:
    """Every hostile file, by name (and NATO's own, to compare)."""
    files: dict[str, Path] = {}

    def add(name: str, members: dict[str, Chunks]) -> None:
        files[name] = folder / f"{len(files)}.xlsx"
        workbook(files[name], members)

    add("2 GB of shared strings", {STRINGS: strings_bomb, SHEET: sheet_of(TITLE)})
    files["NATO's 2024 workbook (control)"] = ROOT / "tests" / "fixtures" / FIXTURE
    add("5 million rows", {SHEET: sheet_of(TITLE, rows=rows(5_000_000))})
    add("150,000 rows (3.9 MB inflated)", {SHEET: sheet_of(TITLE, rows=rows(150_000))})
    add("4 MB of cell styles (within the limits)", {"xl/styles.xml": styles_at_the_limit})
    add("4 MB of shared strings (within the limits)", {STRINGS: strings_at_the_limit})
    add("label of a million (", {SHEET: sheet_of(TITLE, HEADER, label_row("(" * 1_000_000))})
    add("10 MB unknown name", {SHEET: sheet_of(TITLE, HEADER, label_row("x" * 10_000_000))})
    truncated = f'<worksheet xmlns="{NS}"><dimension ref="A1:A2"/><sheetData>{TITLE}<row r="2">'
    add("truncated sheet XML", {SHEET: lambda: iter([truncated.encode()])})
    shared = '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'
    add(
        "shared string index out of range",
        {STRINGS: lambda: iter([f'<sst xmlns="{NS}"/>'.encode()]), SHEET: sheet_of(TITLE, shared)},
    )
    add("<v>20x14</v>", {SHEET: sheet_of(TITLE, '<row r="2"><c r="A2"><v>20x14</v></c></row>')})
    date = '<row r="2"><c r="A2" t="d"><v>yesterday</v></c></row>'
    add("bad typed cell (t=d)", {SHEET: sheet_of(TITLE, date)})
    huge = f'<row r="2"><c r="{"A" * 40}{"9" * 40}"><v>1</v></c></row>'
    add("huge cell reference", {SHEET: sheet_of(TITLE, huge)})
    files["FIFO"] = folder / "fifo.xlsx"
    os.mkfifo(files["FIFO"])
    files["symlink to /dev/zero"] = folder / "zero.xlsx"
    files["symlink to /dev/zero"].symlink_to("/dev/zero")
    return files


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(source: Path, path: Path, data: Path) -> str:
    """One import in its own process: its figures as one line."""
    before = snapshot(data)
    code = "import sys; from app.cli import main; sys.argv[0] = 'nato-api'; main()"
    args = [sys.executable, "-c", code, "import-workbook", str(path), "--edition", "2024-07"]
    args += ["--title", "T", "--published-on", "2024-06-18", "--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            args, cwd=source, env=env, stdout=out, stderr=out, preexec_fn=limit_memory
        )
        # wait4, not wait: the peak RSS of this child alone.
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status = f"exit {os.waitstatus_to_exitcode(wait_status)}"
                break
            if time.perf_counter() - started > TIMEOUT:
                process.kill()
                _, _, usage = os.wait4(process.pid, 0)
                status = f"killed after {TIMEOUT:.0f} s"
                break
            time.sleep(0.01)
        process.returncode = 0  # reaped above
        elapsed = time.perf_counter() - started
        rss = usage.ru_maxrss / 1024
        out.seek(0)
        text = out.read().decode(errors="replace")
    lines = text.splitlines()
    last = lines[-1][:120] if lines else ""
    changed = "changed" if snapshot(data) != before else "unchanged"
    return (
        f"{status}, {elapsed:.2f} s, peak RSS {rss:.0f} MB, "
        f"{len(lines)} lines ({len(text):,} characters), data {changed}: {last}"
    )


def main() -> None:
    source = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    print(f"import-workbook of {source}; timeout {TIMEOUT:.0f} s, {MEMORY // 2**20} MiB")
    with tempfile.TemporaryDirectory(prefix="nato-hostile-") as tmp:
        folder = Path(tmp)
        files = build(folder)
        for number, (name, path) in enumerate(files.items()):
            data = folder / f"data-{number}"
            shutil.copytree(ROOT / "seed" / "data", data)
            size = path.lstat().st_size if path.is_file() else 0
            print(f"{name} ({size:,} bytes): {run(source, path, data)}", flush=True)


if __name__ == "__main__":
    main()
