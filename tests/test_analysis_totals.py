"""Totals arithmetic without a database: exact sums over the members of each year, missing
members, published differences, the US share, price bases and mixed base years."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.analysis.editions import EditionRule
from app.analysis.totals import (
    AllyValue,
    GroupTotal,
    Measure,
    Member,
    published_figures,
    refuse_mixed_base_years,
    sum_groups,
)
from app.errors import Unprocessable

MEMBERS = [
    Member("CAN", "north_america", 1949, True),
    Member("FIN", "europe", 2023, True),
    Member("ISL", "europe", 1949, False),  # in no expenditure table: never summed, never missing
    Member("POL", "europe", 1999, True),
    Member("USA", "north_america", 1949, True),
]
ROWS = [
    AllyValue("CAN", 2022, "30000.25", "2024-06", "nato"),
    AllyValue("POL", 2022, "15000.333", "2024-06", "nato"),
    AllyValue("USA", 2022, "800000.1", "2024-06", "nato"),
    AllyValue("CAN", 2023, "31000", "2024-06", "nato"),
    AllyValue("FIN", 2023, "5000.1", "2024-06", "nato"),
    AllyValue("USA", 2023, "810000", "2024-06", "nato"),
]


def _published(value: str, edition: str = "2024-06", indicator: str = "usd_current") -> tuple:
    unit = "million US dollars, current prices and exchange rates"
    return ("NATO_TOTAL", indicator, 2022, value, None, unit, edition, "nato", False)


def _group(totals: list[GroupTotal], year: int, group: str) -> GroupTotal:
    return next(t for t in totals if (t.year, t.group) == (year, group))


def test_groups_are_exact_sums_of_the_members_of_the_year() -> None:
    totals = sum_groups(MEMBERS, ROWS, [], Measure.usd_current)
    assert [(t.year, t.group) for t in totals][:5] == [
        (2022, "NATO_TOTAL"),
        (2022, "NATO_EUROPE_CANADA"),
        (2022, "NATO_EUROPE"),
        (2022, "USA"),
        (2022, "USA_SHARE_OF_NATO"),
    ]
    nato = _group(totals, 2022, "NATO_TOTAL")
    assert (nato.value, nato.allies, nato.missing) == (
        Decimal("845000.683"),
        ["CAN", "POL", "USA"],  # Finland joined in 2023
        [],
    )
    assert _group(totals, 2022, "NATO_EUROPE_CANADA").value == Decimal("45000.583")
    assert _group(totals, 2022, "NATO_EUROPE").value == Decimal("15000.333")
    share = _group(totals, 2022, "USA_SHARE_OF_NATO")
    assert (share.value, share.unit) == (Decimal("94.6745"), "% of NATO_TOTAL")


def test_a_member_without_a_figure_leaves_the_sum_empty() -> None:
    totals = sum_groups(MEMBERS, ROWS, [], Measure.usd_current)
    nato = _group(totals, 2023, "NATO_TOTAL")
    assert (nato.value, nato.missing, nato.allies) == (None, ["POL"], ["CAN", "FIN", "USA"])
    assert _group(totals, 2023, "USA").value == Decimal("810000")
    assert _group(totals, 2023, "USA_SHARE_OF_NATO").value is None


def test_two_sources_in_one_edition_are_not_summed() -> None:
    rows = [*ROWS, AllyValue("POL", 2022, "15000.4", "2024-06", "press")]
    nato = _group(sum_groups(MEMBERS, rows, [], Measure.usd_current), 2022, "NATO_TOTAL")
    assert (nato.value, nato.missing) == (None, ["POL"])


def test_a_published_total_shows_its_difference_only_from_its_own_edition() -> None:
    published = published_figures(
        [_published("845000.7"), _published("845000", edition="2025-08")], Measure.usd_current
    )
    nato = _group(sum_groups(MEMBERS, ROWS, published, Measure.usd_current), 2022, "NATO_TOTAL")
    assert [(p.edition, p.difference) for p in nato.published] == [
        ("2024-06", Decimal("0.017")),
        ("2025-08", None),
    ]


def test_a_headline_at_the_other_price_basis_belongs_to_the_other_measure() -> None:
    rows = [
        (
            "NATO_TOTAL",
            "headline_usd_tn",
            2022,
            "1.3",
            None,
            "trillion US dollars, 2015 prices",
            "e",
            "s",
            False,
        ),
        (
            "NATO_TOTAL",
            "headline_usd_tn",
            2022,
            "1.2",
            None,
            "trillion US dollars",
            "e",
            "s",
            False,
        ),
    ]
    assert [p.basis for p in published_figures(rows, Measure.usd_current)] == ["not stated"]
    assert [p.basis for p in published_figures(rows, Measure.usd_constant)] == [
        "constant",
        "not stated",
    ]


def test_constant_prices_of_different_base_years_are_refused() -> None:
    refuse_mixed_base_years([("2025-08", 2021)], EditionRule())
    with pytest.raises(Unprocessable) as excinfo:
        refuse_mixed_base_years(
            [("2024-06", 2015), ("2025-08", 2021)], EditionRule(as_of=dt.date(2025, 9, 1))
        )
    assert "2024-06 (2015 prices), 2025-08 (2021 prices)" in excinfo.value.detail
    assert "Pin one edition (edition=2024-06 or edition=2025-08)" in excinfo.value.detail
