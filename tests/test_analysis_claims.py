"""Claim matching without a database: a value rounded to the claim's decimals, a count that
the edition's figures decide or cannot decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.analysis.claims import check_claim_arguments, judge_count, judge_value
from app.analysis.compliance import Basis, ComplianceRule, Figure
from app.errors import BadRequest

EDITIONS = [
    ("2024-06", dt.date(2024, 6, 17), "nato_defence_expenditure"),
    ("2025-04", dt.date(2025, 4, 24), "nato_defence_expenditure"),
    ("2025-08", dt.date(2025, 8, 28), "nato_defence_expenditure"),
]
NAMES = {"ISL": "Iceland", "POL": "Poland", "USA": "United States"}


def test_a_value_matches_when_the_figure_rounds_half_up_to_it() -> None:
    rows = [("2024-06", "3.3790207262385565", "a"), ("2025-04", "3.205383573", "b")]
    result = judge_value(
        rows, EDITIONS, ally="USA", indicator="share_gdp", year=2024, value=Decimal("3.2")
    )
    assert [(v.edition, v.verdict, v.compared_text) for v in result.verdicts] == [
        ("2024-06", "mismatch", "3.4"),
        ("2025-04", "match", "3.2"),
        ("2025-08", "not_covered", None),
    ]
    assert result.claim == "USA share_gdp 2024 = 3.2"
    assert result.rule == "the figure rounded half up to the claim's 1 decimal(s) equals the claim"
    assert (result.editions_with("match"), result.editions_with("mismatch")) == (
        ["2025-04"],
        ["2024-06"],
    )


def test_the_claims_decimals_set_the_precision() -> None:
    rows = [("2024-06", "3.205", "a")]
    result = judge_value(
        rows, EDITIONS, ally="USA", indicator="share_gdp", year=2024, value=Decimal("3.21")
    )
    assert (result.verdicts[0].verdict, result.verdicts[0].compared_text) == ("match", "3.21")


def _figure(ally: str, value: str, edition: str, source: str = "s") -> Figure:
    return Figure(ally, 2024, value, edition, source, False, "% of GDP")


def test_a_count_is_decided_only_when_every_ally_has_a_figure() -> None:
    figures = [
        _figure("POL", "4.1", "2024-06"),
        _figure("USA", "3.38", "2024-06"),
        _figure("POL", "4.1", "2025-04"),  # the US is missing: 1 or 2 allies
        _figure("POL", "1.9", "2025-08"),
        _figure("USA", "2.0", "2025-08"),
    ]
    result = judge_count(
        figures,
        EDITIONS,
        NAMES,
        {"2024-06": "2"},
        year=2024,
        count=2,
        rule=ComplianceRule("share_gdp", Decimal("2"), Basis.full_precision),
    )
    assert [
        (v.edition, v.verdict, v.value_text, v.covered_allies, v.published_count)
        for v in result.verdicts
    ] == [
        ("2024-06", "match", "2", 2, "2"),
        ("2025-04", "not_covered", "1", 1, None),
        ("2025-08", "mismatch", "1", 2, None),
    ]
    assert result.claim == "2 allies with share_gdp >= 2 in 2024"


def test_an_ally_that_had_not_joined_does_not_leave_the_count_open() -> None:
    """2019-06 lists 28 allies: an ally that joined after it was published is not waited for."""
    editions = [("2019-06", dt.date(2019, 6, 25), "nato_defence_expenditure")]
    figures = [Figure("POL", 2019, "2.0", "2019-06", "s", True, "% of GDP")]
    names = {"FIN": "Finland", "ISL": "Iceland", "POL": "Poland"}
    rule = ComplianceRule("share_gdp", Decimal("2"), Basis.full_precision)
    joined = {"FIN": dt.date(2023, 4, 4), "POL": dt.date(1999, 3, 12)}
    decided = judge_count(
        figures, editions, names, {}, year=2019, count=1, rule=rule, joined=joined
    )
    assert [(v.verdict, v.value_text, v.covered_allies) for v in decided.verdicts] == [
        ("match", "1", 1)
    ]
    # Without accession dates Finland could still be at 2%: the edition cannot decide.
    open_count = judge_count(figures, editions, names, {}, year=2019, count=1, rule=rule)
    assert open_count.verdicts[0].verdict == "not_covered"


@pytest.mark.parametrize(
    ("ally", "value", "count"),
    [
        ("USA", Decimal("3.19"), 23),
        (None, None, None),
        ("USA", None, None),
        (None, Decimal(3), None),
    ],
)
def test_a_claim_is_a_value_or_a_count(
    ally: str | None, value: Decimal | None, count: int | None
) -> None:
    with pytest.raises(BadRequest):
        check_claim_arguments(ally, value, count)
