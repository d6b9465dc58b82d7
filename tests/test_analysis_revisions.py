"""Revision deltas and edition comparisons without a database: exact changes, printed
changes, definition changes, two sources in one edition, flips across a threshold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.analysis.compliance import Basis
from app.analysis.revisions import (
    RevisionRow,
    check_edition_pair,
    check_subject,
    compare_editions,
    flip_rule,
    revisions,
)
from app.errors import BadRequest, Unprocessable

NATO, CORE = "nato_defence_expenditure", "core_defence_expenditure"


def _row(edition: str, value: str | None, source: str = "s", definition: str = NATO) -> RevisionRow:
    published_on = dt.date(int(edition[:4]), int(edition[5:]), 1)
    return RevisionRow(edition, published_on, definition, value, None, "% of GDP", source, False)


def test_each_edition_shows_its_exact_and_printed_change() -> None:
    chain = revisions(
        [_row("2024-06", "3.379"), _row("2025-04", "3.19"), _row("2026-07", "3.2", definition=CORE)]
    )
    assert [(r.change, r.change_published, r.value_published) for r in chain] == [
        (None, None, Decimal("3.38")),
        (Decimal("-0.189"), Decimal("-0.19"), Decimal("3.19")),
        (Decimal("0.01"), Decimal("0.01"), Decimal("3.20")),
    ]
    assert [r.definition_changed for r in chain] == [False, False, True]


def test_no_change_across_an_edition_with_two_sources() -> None:
    chain = revisions(
        [
            _row("2024-06", "2.0"),
            _row("2025-04", "2.1", "a"),
            _row("2025-04", "2.2", "b"),
            _row("2025-08", "2.3"),
        ]
    )
    assert [(r.sources_in_edition, r.change) for r in chain] == [
        (1, None),
        (2, None),
        (2, None),
        (1, None),
    ]


def test_a_row_without_a_value_has_no_change() -> None:
    chain = revisions([_row("2024-06", "2.0"), _row("2025-04", None)])
    assert [(r.value_published, r.change) for r in chain] == [(Decimal("2.00"), None), (None, None)]


DEFINITIONS = {"2024-06": NATO, "2025-04": NATO}
PAIR = {"from_edition": "2024-06", "to_edition": "2025-04", "definitions": DEFINITIONS}
NAMES = {"ALB": "Albania", "MNE": "Montenegro", "USA": "United States"}


def test_changes_are_exact_largest_first_and_equal_numbers_are_no_change() -> None:
    rows = [
        ("ALB", "share_gdp", 2024, "2.04", "a", "1.35", "b"),
        ("MNE", "share_gdp", 2024, "2.0", "a", "2.00", "b"),  # the same number
        ("USA", "share_gdp", 2024, "3.379", "a", "3.19", "b"),
    ]
    result = compare_editions(rows, NAMES, rule=None, **PAIR)  # type: ignore[arg-type]
    assert [(c.ally, c.change) for c in result.changes] == [
        ("ALB", Decimal("-0.69")),
        ("USA", Decimal("-0.189")),
    ]
    assert (result.flips, result.definition_changed) == ([], False)


def test_a_flip_is_a_status_that_differs_on_the_rule_basis() -> None:
    rows = [
        ("ALB", "share_gdp", 2024, "2.04", "a", "1.35", "b"),
        ("MNE", "share_gdp", 2024, "1.995", "a", "2.004", "b"),  # both 2.00 when printed
        ("USA", "usd_current", 2024, "1", "a", "3", "b"),  # another indicator
    ]
    printed = flip_rule(None, None, Basis.published)
    exact = flip_rule("share_gdp", None, Basis.full_precision)
    flips = compare_editions(rows, NAMES, rule=printed, **PAIR).flips  # type: ignore[arg-type]
    assert [(f.ally, f.from_meets, f.to_meets) for f in flips] == [("ALB", True, False)]
    flips = compare_editions(rows, NAMES, rule=exact, **PAIR).flips  # type: ignore[arg-type]
    assert [(f.ally, f.from_meets, f.to_meets) for f in flips] == [
        ("ALB", True, False),
        ("MNE", False, True),
    ]


def test_flips_need_a_threshold_and_a_share() -> None:
    assert flip_rule("personnel_share", None, Basis.published) is None
    assert flip_rule("usd_current", Decimal(2), Basis.published) is None
    rule = flip_rule("equipment_share", None, Basis.published)
    assert rule is not None
    assert (rule.indicator, rule.threshold) == ("equipment_share", Decimal("20"))


def test_invalid_combinations_are_refused() -> None:
    with pytest.raises(BadRequest, match="exactly one of `ally`"):
        check_subject("USA", "NATO_TOTAL")
    with pytest.raises(BadRequest, match="exactly one of `ally`"):
        check_subject(None, None)
    with pytest.raises(Unprocessable, match="the same edition"):
        check_edition_pair("2025-04", "2025-04")


def _priced(edition: str, value: str, base: int | None) -> RevisionRow:
    return _row(edition, value)._replace(unit="million US dollars, constant", price_base_year=base)


def test_no_constant_price_change_across_price_bases_a_reason_instead() -> None:
    rows = [_priced("2024-06", "100", 2015), _priced("2025-04", "130", 2021)]
    rows.append(_priced("2025-08", "131", 2021))
    chain = revisions(rows, indicator="usd_constant", constant_prices=True)
    assert [r.price_base_changed for r in chain] == [False, True, False]
    assert [r.change for r in chain] == [None, None, Decimal("1")]
    assert chain[1].change_reason is not None
    assert "2024-06 uses 2015 prices, 2025-04 uses 2021 prices" in chain[1].change_reason
    # A share of GDP keeps its change and says the base changed.
    shares = revisions(rows, indicator="share_gdp", constant_prices=False)
    assert [r.change for r in shares] == [None, Decimal("30"), Decimal("1")]
    assert shares[1].price_base_changed
    # An edition that states no base year is another base.
    unknown = revisions(
        [_priced("2024-02", "1", None), _priced("2024-06", "2", 2015)],
        indicator="usd_constant",
        constant_prices=True,
    )
    assert unknown[1].change is None
    assert "2024-02 states no price base" in (unknown[1].change_reason or "")


def test_compared_editions_withhold_constant_price_indicators_across_bases() -> None:
    rows = [
        ("USA", "usd_constant", 2024, "754684.13", "a", "818000", "b"),
        ("USA", "share_gdp", 2024, "3.379", "a", "3.19", "b"),
    ]
    result = compare_editions(
        rows,
        NAMES,
        rule=None,
        price_bases={"2024-06": 2015, "2025-04": 2021},
        constant_indicators=frozenset({"usd_constant"}),
        **PAIR,  # type: ignore[arg-type]
    )
    assert result.price_base_changed
    assert [c.indicator for c in result.changes] == ["share_gdp"]
    assert [(n.indicator, n.figures) for n in result.not_compared] == [("usd_constant", 1)]
