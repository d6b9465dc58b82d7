"""Pathway rules in exact decimals on hand-made editions, without a database: met, on and off
track, a missing pace year, a negative pace, a deadline not after the latest year, a target of
100, non-terminating quotients, and the year-by-year paths."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from app.analysis.editions import EditionRule
from app.analysis.pathways import (
    QUOTIENT_PLACES,
    Pathway,
    PathwayRule,
    ShareFigure,
    assess,
    check_rule,
    to_decimal,
    year_by_year,
)
from app.errors import Unprocessable

NAMES = {
    "AAA": "Met",
    "BBB": "On track",
    "CCC": "Off track",
    "DDD": "No pace year",
    "EEE": "Falling",
    "ISL": "Iceland",
}
RULE = PathwayRule(Decimal("3.5"), 2035, 3)


def _figure(
    ally: str,
    value: str,
    earlier: str | None,
    *,
    year: int = 2026,
    edition: str = "2099-01",
    expenditure: str | None = "100",
    gdp: str | None = "4000",
) -> ShareFigure:
    return ShareFigure(
        ally,
        year,
        value,
        edition,
        "hand-made",
        True,
        "% of GDP",
        "core_defence_expenditure",
        2021,
        earlier,
        expenditure,
        gdp,
    )


# A hand-made edition: one figure per case, the pace year's value of the same edition.
EDITION = [
    _figure("AAA", "3.50", "2.9"),  # exactly at the target: met
    _figure("BBB", "2.6", "1.7"),  # shortfall 0.9 over 9 years, pace 0.3 >= 0.1
    _figure("CCC", "2.0", "1.97"),  # shortfall 1.5, required 1.5/9, pace 0.01
    _figure("DDD", "2.2", None),  # the edition has no figure 3 years earlier
    _figure("EEE", "1.8", "2.4"),  # pace -0.2
]


def _by_ally(rule: PathwayRule = RULE, figures: list[ShareFigure] = EDITION) -> dict[str, Pathway]:
    result = assess(figures, NAMES, rule=rule, edition_rule=EditionRule())
    return {p.ally: p for p in result.items}


def test_statuses_on_a_hand_made_edition() -> None:
    result = assess(EDITION, NAMES, rule=RULE, edition_rule=EditionRule())
    assert {p.ally: p.status for p in result.items} == {
        "AAA": "met",
        "BBB": "on_track",
        "CCC": "off_track",
        "DDD": "insufficient_data",
        "EEE": "off_track",
        "ISL": "no_data",
    }
    assert result.summary.counts() == {
        "met": 1,
        "on_track": 1,
        "off_track": 2,
        "insufficient_data": 1,
        "no_data": 1,
    }
    assert result.summary.allies["off_track"] == ["CCC", "EEE"]
    assert result.summary.editions == ["2099-01"]


def test_met_has_no_shortfall_no_projection_and_nothing_to_add() -> None:
    met = assess(EDITION, NAMES, rule=RULE, edition_rule=EditionRule()).items[0]
    assert met.shortfall == 0
    assert met.required is not None
    assert met.required.value == 0
    assert met.projected_year is None
    assert met.additional_usd_million == 0


def test_on_track_values_are_exact() -> None:
    on = _by_ally()["BBB"]
    assert on.shortfall == Decimal("0.9")
    assert on.years_left == 9
    assert on.required.text == "0.1"
    assert on.required.exact
    assert on.pace.text == "0.3"
    # 0.9 / 0.3 = 3 years exactly
    assert on.projected_year == 2029
    # 3.5/100 * 4000 - 100 = 40 million
    assert on.additional_usd_million == Decimal("40")


def test_off_track_quotients_that_do_not_terminate_are_rounded_and_labelled() -> None:
    off = _by_ally()["CCC"]
    assert off.required.text == "0." + "1" * 1 + "6" * (QUOTIENT_PLACES - 2) + "7"
    assert not off.required.exact
    assert off.pace.text == "0.01"
    # ceil(1.5 / 0.01) = 150 years
    assert off.projected_year == 2026 + 150


def test_the_status_is_decided_on_exact_fractions_not_on_rounded_text() -> None:
    # required = 1/3 exactly; pace = 1/3 exactly: on track, although both texts are rounded.
    figure = _figure("BBB", "2.5", "1.5", year=2032)
    (pathway, *_) = assess([figure], {"BBB": "B"}, rule=RULE, edition_rule=EditionRule()).items
    assert pathway.required is not None
    assert pathway.pace is not None
    assert pathway.required.text == pathway.pace.text == "0.333333333333"
    assert pathway.status == "on_track"
    assert pathway.projected_year == 2035


def test_a_missing_pace_year_is_insufficient_data_never_zero() -> None:
    missing = _by_ally()["DDD"]
    assert missing.pace is None
    assert missing.projected_year is None
    assert missing.required.text == "0.144444444444"


def test_a_negative_pace_is_off_track_without_a_projected_year() -> None:
    falling = _by_ally()["EEE"]
    assert falling.pace.text == "-0.2"
    assert falling.status == "off_track"
    assert falling.projected_year is None


def test_iceland_is_no_data_with_its_reason() -> None:
    iceland = _by_ally()["ISL"]
    assert iceland.figure is None
    assert "no armed forces" in iceland.reason


@pytest.mark.parametrize("by", [2026, 2020])
def test_a_deadline_not_after_the_latest_year_is_a_422_naming_that_year(by: int) -> None:
    with pytest.raises(Unprocessable) as caught:
        assess(EDITION, NAMES, rule=PathwayRule(Decimal("3.5"), by, 3), edition_rule=EditionRule())
    assert "2026" in caught.value.detail
    assert "by=2027" in caught.value.detail


def test_the_deadline_check_reads_the_newest_figure_of_the_allies_asked() -> None:
    older = [_figure("BBB", "2.6", "1.7", year=2024)]
    result = assess(
        older, {"BBB": "B"}, rule=PathwayRule(Decimal("3.5"), 2025, 3), edition_rule=EditionRule()
    )
    assert result.items[0].years_left == 1


def test_a_target_of_100() -> None:
    pathway = _by_ally(PathwayRule(Decimal(100), 2035, 3))["BBB"]
    assert pathway.shortfall == Decimal("97.4")
    assert pathway.status == "off_track"
    # ceil(97.4 / 0.3) = 325 (324.666...)
    assert pathway.projected_year == 2026 + math.ceil(Fraction("97.4") / Fraction("0.3"))
    # 100/100 * 4000 - 100
    assert pathway.additional_usd_million == Decimal("3900")


@pytest.mark.parametrize("target", ["0", "-1", "100.01"])
def test_a_target_outside_0_to_100_is_refused(target: str) -> None:
    with pytest.raises(Unprocessable):
        check_rule(Decimal(target), 2035, 3)


def test_target_5_is_described_as_core_alone() -> None:
    assert "core defence expenditure alone" in PathwayRule(Decimal(5), 2035, 3).description
    assert "1.5%" in RULE.description
    assert "core defence expenditure alone" not in RULE.description.split("NATO's tables")[0]


def test_additional_spending_needs_both_figures_of_the_same_edition() -> None:
    figure = _figure("CCC", "2.0", "1.97", gdp=None)
    result = assess([figure], {"CCC": "C"}, rule=RULE, edition_rule=EditionRule())
    assert result.items[0].additional_usd_million is None
    assert result.summary.additional_missing == ["CCC"]
    assert result.summary.additional_usd_million == 0


def test_the_summary_sums_the_additional_spending_exactly() -> None:
    result = assess(EDITION, NAMES, rule=RULE, edition_rule=EditionRule())
    expected = sum(
        (p.additional_usd_million for p in result.items if p.additional_usd_million is not None),
        Decimal(0),
    )
    assert result.summary.additional_usd_million == expected == Decimal("40") * 4


@pytest.mark.parametrize(
    ("fraction", "text", "exact"),
    [
        (Fraction(1, 2), "0.5", True),
        (Fraction(1, 3), "0.333333333333", False),
        (Fraction(2, 3), "0.666666666667", False),
        (Fraction(1, 1024), "0.0009765625", True),
        (Fraction(-1, 6), "-0.166666666667", False),
    ],
)
def test_quotients(fraction: Fraction, text: str, exact: bool) -> None:
    computed = to_decimal(fraction)
    assert (computed.text, computed.exact) == (text, exact)


def test_year_by_year_paths_reach_the_target_at_the_deadline() -> None:
    pathway = _by_ally()["BBB"]
    series = [(2023, "1.7"), (2024, "2.0"), (2026, "2.6")]
    points = year_by_year(pathway, series, 2035)
    assert [p.year for p in points] == [2023, 2024, *range(2026, 2036)]
    assert points[0].required is None  # published years before latest_year: no path
    last = points[-1]
    assert last.required is not None
    assert last.required.value == Decimal("3.5")
    assert last.projected is not None
    assert last.projected.value == Decimal("2.6") + 9 * Decimal("0.3")
    assert points[2].published == "2.6"
    assert points[2].required is not None
    assert points[2].required.value == Decimal("2.6")


def test_no_projection_without_a_pace() -> None:
    points = year_by_year(_by_ally()["DDD"], [(2026, "2.2")], 2035)
    assert all(p.projected is None for p in points)
    assert points[-1].required is not None
    assert points[-1].required.value == Decimal("3.5")
