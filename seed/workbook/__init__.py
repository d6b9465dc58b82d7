"""Read NATO's "Defence Expenditure of NATO Countries" workbook into the data files as an edition.

The workbook is read by meaning, not by cell address (see tests/fixtures/README.md for the
layout NATO keeps every year): a table is found by its title (`Table 3 : ...`), a block by its
caption (`Share of real GDP (%)`), a year by the header row (2014, '2019', '2024e'), an ally by
its name in NATO's old or new spelling. Values are kept as the cells hold them: the text of a
number is the shortest decimal of the cell's double (Python's repr), an integer cell stays an
integer; `..`, blanks and `#REF!` are missing, never 0.

Hand-written because no library reads this report layout; openpyxl reads the cells.

All or nothing: the new files are built in memory, validated with the loader's own rules
(`seed.loader.validate`) on a temporary copy of the data folder, and only then written.
Each file is replaced atomically (a temporary file in the same folder, fsync, `os.replace`);
across files the replacement is ordered so that every prefix is a valid dataset: sources and
editions first, then the figures that point to them. A crash between two replacements can
leave the new edition's row without all its figures, never a figure without its edition.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from seed.contract import DATA_FILES
from seed.loader import Problem, read_dataset, validate
from seed.workbook.edition import EditionInfo, Plan, plan_import
from seed.workbook.limits import WorkbookError
from seed.workbook.reader import Workbook, read_workbook

__all__ = ["EditionInfo", "Plan", "Workbook", "WorkbookError", "import_workbook", "read_workbook"]

# Referenced files first: every prefix of the replacements is a loadable dataset.
WRITE_ORDER = ("sources.csv", "editions.csv", "observations.csv", "aggregates.csv")


def problems_of(data_dir: Path, files: dict[str, bytes]) -> list[Problem]:
    """The loader's problems with the data folder as it would be with `files` (a temporary
    copy is checked; `data_dir` is not touched)."""
    with tempfile.TemporaryDirectory(prefix="nato-import-") as tmp:
        for name in DATA_FILES:
            target = Path(tmp) / name
            if name in files:
                target.write_bytes(files[name])
            else:
                shutil.copyfile(data_dir / name, target)
        return validate(Path(tmp))


def write(data_dir: Path, files: dict[str, bytes]) -> None:
    """Replace each file atomically, after every new file is written and synced."""
    staged: list[tuple[Path, str]] = []
    try:
        for name in WRITE_ORDER:
            if name not in files:
                continue
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", dir=data_dir)
            temp = Path(temp_name)
            staged.append((temp, name))
            with os.fdopen(handle, "wb") as out:
                out.write(files[name])
                out.flush()
                os.fsync(out.fileno())
            temp.chmod((data_dir / name).stat().st_mode & 0o777)
    except BaseException:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
    for temp, name in staged:
        temp.replace(data_dir / name)  # os.replace: atomic within one file system


def import_workbook(
    path: Path, data_dir: Path, info: EditionInfo, *, replace: bool = False, dry_run: bool = False
) -> Plan:
    """Read, check and (unless dry_run) write one workbook as an edition of `data_dir`.

    Raises WorkbookError (the workbook, or the result breaking the data rules) or SeedError
    (the data folder was invalid before); in every case nothing is written.
    """
    current = read_dataset(data_dir).rows
    book = read_workbook(path, current["allies.csv"])
    plan = plan_import(data_dir, current, book, info, replace=replace)
    problems = problems_of(data_dir, plan.files)
    if problems:
        # The first problem in file order (editions before the figures that name them) is the
        # cause; later ones usually follow from it.
        first = min(problems, key=lambda p: (DATA_FILES.index(p.file), p.line))
        raise WorkbookError("-", "-", f"the result breaks the data rules: {first}")
    if not dry_run:
        write(data_dir, plan.files)
    return plan
