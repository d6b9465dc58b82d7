"""Check a claim ("the US spent 3.19% of GDP in 2024", "23 allies met 2% in 2024") against
every edition: match, mismatch with that edition's figure, or not covered.

A value claim matches an edition when the edition's figure, rounded half up to the number of
decimals the claim gives, equals the claim (3.2 is supported by 3.205383573; 3.19 is not by
3.3790207262385565). A count claim matches when the edition's figures give exactly that many
allies at or above the threshold; when allies lack a figure and the claim lies within what
they could add, the edition cannot decide it (not_covered).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.analysis.compliance import ICELAND, ComplianceRule, Figure, Membership, classify
from app.analysis.decimals import bounded_decimal, decimal_text, number_or_none
from app.analysis.editions import EditionRule
from app.errors import BadRequest

# (id, published_on, expenditure_definition), oldest first
EditionInfo = tuple[str, dt.date, str]


def at_most_12_decimals(value: Decimal | None) -> Decimal | None:
    """A claimed value's check (a validator of the MCP tool; /v1/claims/check applies the
    same): its decimals set the precision of the comparison, and more than any published
    figure carries is refused (1e-28 overflowed the exact decimal context: a 500, issue 12),
    as is a number of more digits than any figure (issue 23): `decimals.bounded_decimal`."""
    return bounded_decimal(value)


@dataclass(frozen=True)
class Verdict:
    """What one edition says about a claim; the fields are the answer's (schemas/claims.py
    copies them by name)."""

    edition: str
    published_on: dt.date
    expenditure_definition: str
    verdict: str
    value_text: str | None = None  # the edition's figure, or its computed count
    compared_text: str | None = None  # value claims: the figure rounded as the claim
    source: str | None = None
    covered_allies: int | None = None  # count claims: allies with a figure
    published_count: str | None = None

    @property
    def value(self) -> float | None:
        """`value_text` as a JSON number (exactly the decimal, never rounded)."""
        return number_or_none(self.value_text)


@dataclass(frozen=True)
class ClaimResult:
    claim: str
    rule: str
    verdicts: list[Verdict]

    def editions_with(self, verdict: str) -> list[str]:
        """The editions that gave `verdict` (match, mismatch, not_covered)."""
        return sorted({v.edition for v in self.verdicts if v.verdict == verdict})


def check_claim_arguments(ally: str | None, value: Decimal | None, count: int | None) -> None:
    """A value claim (ally + value) or a count claim (count), never both: a 400 otherwise."""
    if count is not None and (ally is not None or value is not None):
        raise BadRequest("Check either a value (`ally` and `value`) or a `count`, not both.")
    if count is None and (ally is None or value is None):
        raise BadRequest(
            "A claim needs `ally` and `value` (e.g. ally=USA&value=3.19), or `count` "
            "(e.g. count=23 allies at the threshold)."
        )


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def judge_value(
    rows: Iterable[Sequence[Any]],
    editions: Sequence[EditionInfo],
    *,
    ally: str,
    indicator: str,
    year: int,
    value: Decimal,
) -> ClaimResult:
    """Each edition's figure (rows of (edition, value, source)) rounded to the claim's places."""
    places = decimal_places(value)
    quantum = Decimal(1).scaleb(-places)
    by_edition: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edition, figure, source in rows:
        by_edition[edition].append((figure, source))
    verdicts: list[Verdict] = []
    for edition, published_on, definition in editions:
        if not by_edition.get(edition):
            verdicts.append(Verdict(edition, published_on, definition, "not_covered"))
            continue
        for figure, source in by_edition[edition]:
            compared = Decimal(figure).quantize(quantum, rounding=ROUND_HALF_UP)
            verdicts.append(
                Verdict(
                    edition,
                    published_on,
                    definition,
                    "match" if compared == value else "mismatch",
                    value_text=figure,
                    compared_text=decimal_text(compared),
                    source=source,
                )
            )
    return ClaimResult(
        claim=f"{ally} {indicator} {year} = {decimal_text(value)}",
        rule=f"the figure rounded half up to the claim's {places} decimal(s) equals the claim",
        verdicts=verdicts,
    )


def judge_count(
    figures: Iterable[Figure],
    editions: Sequence[EditionInfo],
    names: dict[str, str],
    published: dict[str, str | None],
    *,
    year: int,
    count: int,
    rule: ComplianceRule,
    joined: Mapping[str, dt.date] | None = None,
) -> ClaimResult:
    """Each edition's figures classified; `published` maps an edition to its published count.

    An ally without a figure leaves the count open, unless it was not yet an ally (`joined`:
    accession dates) in that year or when the edition was published.
    """
    by_edition: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_edition[figure.edition].append(figure)
    verdicts: list[Verdict] = []
    for edition, published_on, definition in editions:
        of_edition = by_edition.get(edition, [])
        if not of_edition:
            verdicts.append(
                Verdict(
                    edition,
                    published_on,
                    definition,
                    "not_covered",
                    covered_allies=0,
                    published_count=published.get(edition),
                )
            )
            continue
        _, summary = classify(
            of_edition,
            names,
            year=year,
            rule=rule,
            edition_rule=EditionRule(edition=edition),
            membership=Membership(joined or {}, published_on),
        )
        meeting = len(summary.meeting)
        waiting = [a for a in summary.no_data if a not in (ICELAND, *summary.not_yet_allies)]
        undecided = len(waiting) + len(summary.conflicting)
        if meeting == count and undecided == 0:
            verdict = "match"
        elif meeting <= count <= meeting + undecided:
            verdict = "not_covered"
        else:
            verdict = "mismatch"
        verdicts.append(
            Verdict(
                edition,
                published_on,
                definition,
                verdict,
                value_text=str(meeting),
                source=", ".join(sorted({f.source for f in of_edition})),
                covered_allies=len(summary.meeting) + len(summary.below),
                published_count=published.get(edition),
            )
        )
    threshold = decimal_text(rule.threshold)
    return ClaimResult(
        claim=f"{count} allies with {rule.indicator} >= {threshold} in {year}",
        rule=f"the edition's figures give exactly {count} allies at or above "
        f"{threshold} ({rule.basis.value} basis); not_covered when allies without a "
        "figure could change the count (not those that were not yet allies)",
        verdicts=verdicts,
    )
