"""The worst-case time of every regular expression on `nato-api import-workbook`'s path.

`python -m bench.import_patterns` runs each pattern the importer applies to workbook text
(seed/workbook/reader.py and rules.py, the cell rules of seed/contract.py that check the
files it writes, seed/loader.py) the way the importer calls it (search, match, fullmatch,
sub, findall) on a family of hostile texts: long runs of one character, of the pattern's own
words and digits, of near-misses that start a match at every position and fail at the end.
For each pattern it prints the slowest text at 100,000 and at 1,000,000 characters: a linear
pattern takes about 10x longer on the second, a quadratic one 100x. The pattern that
label_key used (quadratic: a label of a million "(" ran for minutes) is timed at growing
sizes, next to the string methods that replaced it.

The importer reads no cell of more than 2,000 characters (seed/workbook/limits.py), but a
label joins up to 256 cells and the unit lines of a table are joined too, so 1,000,000 is
the size that matters. Figures, never assertions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from seed.workbook.rules import RULES, label_key, normal, without_last_parenthesis

# (where, pattern, flags, how the importer calls it)
PATTERNS: list[tuple[str, str, int, str]] = [
    ("reader._year", r"(\d{4})\s*(e?)", re.IGNORECASE, "fullmatch"),
    ("reader._read_sheet title", r"\s*table\s+(\w+)\s*:\s*(.+)", re.IGNORECASE, "match"),
    ("reader._block estimate", r"\d{4}\s*e\b", re.IGNORECASE, "search"),
    ("reader base year", r"\b(\d{4}) prices", re.IGNORECASE, "findall"),
    ("rules.normal markers", r"\*|\(\s*[a-z]\s*\)|\bcore\b", re.IGNORECASE, "sub"),
    ("rules.normal / label_key blanks", r"\s+", 0, "sub"),
    ("contract whole number", r"-?[0-9]+", 0, "fullmatch"),
    ("contract date", r"[0-9]{4}-[0-9]{2}-[0-9]{2}", 0, "fullmatch"),
    ("contract decimal", r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", 0, "fullmatch"),
    ("contract year list", r"[0-9]{4}( [0-9]{4})*", 0, "fullmatch"),
    ("contract ISO3", r"[A-Z]{3}", 0, "fullmatch"),
    ("contract edition id", r"[0-9]{4}-(0[1-9]|1[0-2])", 0, "fullmatch"),
    ("contract slug", r"[a-z0-9][a-z0-9-]*", 0, "fullmatch"),
    ("contract identifier", r"[a-z0-9_]+", 0, "fullmatch"),
    ("loader line number", r"line (\d+)", 0, "search"),
]
for rule in RULES:
    for part in ("title", "caption", "unit_line", "column"):
        regex = getattr(rule, part)
        if regex and not any(regex == p[1] for p in PATTERNS):
            PATTERNS.append((f"rules.RULES {part} ({rule.indicator})", regex, 0, "search"))

WORDS = [
    "(",
    ")",
    " ",
    "( ",
    "a",
    "9",
    "2019 ",
    "2019e",
    "table ",
    "table 1 ",
    "core ",
    "2021 prices",
    "real change 2014 - ",
    "real change ",
    "share of gdp ",
    "defence expenditure ",
    "current prices ",
    "per capita ",
    "line ",
    "2024-01-",
    "2024-1",
    "1.",
    "1e",
    "-1",
    "AB",
    "a-",
    "a_",
]


def texts(size: int) -> dict[str, str]:
    """Hostile texts of `size` characters: each word repeated, then a character that breaks
    the match at the very end ("!")."""
    return {f"{word!r} x {size // len(word):,}": word * (size // len(word)) + "!" for word in WORDS}


def caller(regex: str, flags: int, how: str) -> Callable[[str], object]:
    compiled = re.compile(regex, flags)
    if how == "sub":
        return lambda text: compiled.sub(" ", text)
    return lambda text: getattr(compiled, how)(text)


def timed(call: Callable[[str], object], text: str, rounds: int = 3) -> float:
    """The best of `rounds` runs (the others measure the machine's other jobs)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        call(text)
        best = min(best, time.perf_counter() - started)
    return best


def line(label: str, small: float, large: float, text: str) -> str:
    return f"{label:<48} {small * 1e3:>9.2f}ms {large * 1e3:>8.2f}ms {large / small:>6.1f}  {text}"


def worst(call: Callable[[str], object], size: int) -> tuple[float, str]:
    return max((timed(call, text), name) for name, text in texts(size).items())


def main() -> None:
    print(f"{'pattern':<48} {'100k chars':>11} {'1M chars':>10} {'ratio':>6}  slowest text (1M)")
    overall = 0.0
    for where, regex, flags, how in PATTERNS:
        call = caller(regex, flags, how)
        small, _ = worst(call, 100_000)
        large, name = worst(call, 1_000_000)
        overall = max(overall, large)
        label = f"{where} {how}"
        print(
            f"{label:<48} {small * 1e3:>9.2f}ms {large * 1e3:>8.2f}ms {large / small:>6.1f}  {name}"
        )
    for name, function in (
        ("rules.normal (both subs)", normal),
        ("rules.label_key (str methods)", label_key),
        ("rules.without_last_parenthesis", without_last_parenthesis),
    ):
        small, _ = worst(function, 100_000)
        large, text = worst(function, 1_000_000)
        overall = max(overall, large)
        print(
            f"{name:<48} {small * 1e3:>9.2f}ms {large * 1e3:>8.2f}ms {large / small:>6.1f}  {text}"
        )
    print(f"slowest of all at 1,000,000 characters: {overall * 1e3:.1f} ms")
    old = caller(r"\([^)]*\)\s*$", 0, "sub")
    print('label_key before (re.sub(r"\\([^)]*\\)\\s*$", "", label)) on "(" x N:')
    for size in (5_000, 10_000, 20_000, 40_000):
        seconds = timed(old, "(" * size, rounds=1)
        print(f"  N = {size:>6,}: {seconds * 1e3:8.1f} ms")
    estimate = seconds * (1_000_000 / 40_000) ** 2
    print(f"  N = 1,000,000: about {estimate:,.0f} s (quadratic, from N = 40,000)")


if __name__ == "__main__":
    main()
