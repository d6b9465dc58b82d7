"""The edition rule every figure is served under: a pinned edition, `as_of` a date, or latest.

- `edition=ID`: only that edition's figures.
- `as_of=YYYY-MM-DD`: for each figure key, the newest edition published on or before that date.
- neither: for each figure key, the newest edition that has it ("latest").

A figure key is (indicator, ally or aggregate, year). Values are never merged, averaged or
filled across editions: every row keeps its own edition, so a mixed result is visible. The
rule as SQL (a filter on each row's edition-validity interval) is queries/editions_rule.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.errors import BadRequest, Unprocessable


@dataclass(frozen=True)
class EditionRule:
    edition: str | None = None
    as_of: dt.date | None = None

    @property
    def mode(self) -> str:
        if self.edition:
            return "edition"
        return "as_of" if self.as_of else "latest"

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "edition": self.edition,
            "as_of": self.as_of,
            "description": self.describe(),
        }

    def describe(self) -> str:
        if self.edition:
            return f"edition {self.edition} only"
        if self.as_of:
            return (
                "for each figure, the newest edition published on or before "
                f"{self.as_of.isoformat()}"
            )
        return "for each figure, the newest edition that has it (latest)"


def check_rule_arguments(*, edition: str | None, as_of: dt.date | None) -> None:
    """A pinned edition and a date contradict each other: a 400."""
    if edition and as_of:
        raise BadRequest(
            "Use either `edition` (pin one edition) or `as_of` (newest edition published by "
            "a date), not both."
        )


# The form of an edition id in a query (YYYY-MM); the seed's contract is stricter on the month.
EDITION_PATTERN = r"^\d{4}-\d{2}$"
# The expenditure definition of the 2025 Hague commitment: an edition with it measures core
# defence expenditure (the column editions.expenditure_definition says which definition).
CORE_DEFINITION = "core_defence_expenditure"


def check_edition(edition: str, known: Sequence[str], parameter: str = "edition") -> None:
    """An edition id that names no loaded edition is a 422 that lists the known ones."""
    if edition not in known:
        raise Unprocessable(
            f"{parameter}: {edition!r} is not an edition. Known editions: {', '.join(known)}.",
            errors=[{"parameter": parameter, "in": "query", "message": "unknown edition"}],
        )


def make_rule(*, edition: str | None, as_of: dt.date | None, known: Sequence[str]) -> EditionRule:
    """The one check of the edition rule's parameters: both at once is a 400, an unknown
    edition a 422 (`known`: the loaded editions, oldest first)."""
    check_rule_arguments(edition=edition, as_of=as_of)
    if edition:
        check_edition(edition, known)
    return EditionRule(edition=edition, as_of=as_of)


def core_editions(definitions: Mapping[str, str]) -> frozenset[str]:
    """The editions (of `{edition: expenditure_definition}`) that measure core defence
    expenditure."""
    return frozenset(e for e, definition in definitions.items() if definition == CORE_DEFINITION)
