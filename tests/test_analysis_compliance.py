"""Compliance classification in exact decimals, without a database: threshold, basis, gap,
shortfall, Iceland and uncovered allies, conflicting sources, published-count mismatch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from app.analysis.compliance import (
    ICELAND_REASON,
    Basis,
    ComplianceRule,
    Figure,
    Membership,
    PublishedCount,
    assess_history,
    assess_year,
    compliance_rule,
    meets,
)
from app.analysis.editions import EditionRule
from app.errors import Unprocessable

NAMES = {"ISL": "Iceland", "POL": "Poland", "ESP": "Spain", "USA": "United States"}
LATEST = EditionRule()


def _figure(
    ally: str, value: str, edition: str = "2024-06", source: str = "src", **kw: str
) -> Figure:
    return Figure(ally, 2024, value, edition, source, False, "% of GDP", **kw)


def _count(value: str | None, edition: str = "2024-06") -> PublishedCount:
    return PublishedCount(
        "ALLIES",
        "count_allies_2pct",
        2024,
        value,
        None,
        "number of allies",
        edition,
        "src",
        False,
        None,
    )


@pytest.mark.parametrize(
    ("value", "basis", "expected"),
    [
        ("2.00", Basis.full_precision, True),  # equal to the threshold meets it
        ("2", Basis.full_precision, True),
        ("1.995", Basis.full_precision, False),
        ("1.995", Basis.published, True),  # 1.995 prints as 2.00 (half up)
        ("1.9949999", Basis.published, False),  # prints as 1.99
        ("1.999999999999999999999999999999", Basis.full_precision, False),  # no float rounding
    ],
)
def test_a_value_meets_two_percent_exactly_on_its_basis(
    value: str, basis: Basis, expected: bool
) -> None:
    assert meets(value, Decimal("2.0"), basis) is expected


def test_a_year_is_classified_with_gap_shortfall_and_reasons() -> None:
    figures = [
        _figure("POL", "4.12", expenditure="34000", gdp="825000"),
        _figure("ESP", "1.28", expenditure="19000", gdp="1500000"),
    ]
    rule = ComplianceRule("share_gdp", Decimal("2.0"), Basis.full_precision)
    result = assess_year(figures, NAMES, [], year=2024, rule=rule, edition_rule=LATEST)

    by_ally = {s.ally: s for s in result.statuses}
    assert [s.ally for s in result.statuses] == ["ISL", "POL", "ESP", "USA"]
    assert (by_ally["POL"].status, by_ally["POL"].gap, by_ally["POL"].shortfall) == (
        "meeting",
        Decimal("2.12"),
        Decimal(0),
    )
    # 2% of 1 500 000 is 30 000; Spain spent 19 000: 11 000 short, exactly.
    assert (by_ally["ESP"].status, by_ally["ESP"].gap, by_ally["ESP"].shortfall) == (
        "below",
        Decimal("-0.72"),
        Decimal("11000.000"),
    )
    assert (by_ally["ISL"].status, by_ally["ISL"].reason) == ("no_data", ICELAND_REASON)
    usa = by_ally["USA"]
    assert usa.reason == "no edition has a share_gdp figure for United States in 2024"
    assert result.summary.as_dict() == {
        "meeting": 1,
        "below": 1,
        "no_data": 2,
        "meeting_allies": ["POL"],
        "below_allies": ["ESP"],
        "no_data_allies": ["ISL", "USA"],
        "conflicting_allies": [],
    }
    assert result.editions == ["2024-06"]


def test_an_ally_not_yet_joined_is_no_data_with_that_reason() -> None:
    rule = ComplianceRule("share_gdp", Decimal("2.0"), Basis.full_precision)
    names = {"ESP": "Spain", "POL": "Poland", "SWE": "Sweden"}
    joined = {"ESP": dt.date(1982, 5, 30), "SWE": dt.date(2024, 3, 7)}
    figures = [_figure("POL", "4.12", edition="2023-07")]
    pinned = assess_year(
        figures,
        names,
        [],
        year=2024,
        rule=rule,
        edition_rule=EditionRule(edition="2023-07"),
        membership=Membership(joined, dt.date(2023, 7, 7)),
    )
    reasons = {s.ally: (s.status, s.reason) for s in pinned.statuses}
    assert reasons["SWE"] == (
        "no_data",
        "edition 2023-07 has no share_gdp figure for Sweden in 2024: Sweden was not yet an ally "
        "when the edition was published (2023-07-07; joined 2024)",
    )
    # Spain had joined: no figure is only a missing figure, and it leaves a count open.
    assert reasons["ESP"] == (
        "no_data",
        "edition 2023-07 has no share_gdp figure for Spain in 2024",
    )
    assert (pinned.summary.no_data, pinned.summary.not_yet_allies) == (["ESP", "SWE"], ["SWE"])
    latest = assess_year(
        [], names, [], year=2013, rule=rule, edition_rule=LATEST, membership=Membership(joined)
    )
    assert latest.statuses[-1].reason == (
        "no edition has a share_gdp figure for Sweden in 2013: Sweden was not yet an ally in 2013 "
        "(joined 2024)"
    )


def test_no_shortfall_without_both_figures_of_the_same_edition() -> None:
    rule = ComplianceRule("share_gdp", Decimal("2"), Basis.full_precision)
    result = assess_year(
        [_figure("ESP", "1.28", expenditure="19000")],
        NAMES,
        [],
        year=2024,
        rule=rule,
        edition_rule=LATEST,
    )
    assert next(s for s in result.statuses if s.ally == "ESP").shortfall is None


def test_two_sources_that_disagree_are_conflicting_not_counted() -> None:
    figures = [_figure("POL", "2.01", source="a"), _figure("POL", "1.99", source="b")]
    rule = ComplianceRule("share_gdp", Decimal("2"), Basis.full_precision)
    result = assess_year(figures, NAMES, [], year=2024, rule=rule, edition_rule=LATEST)
    assert [s.status for s in result.statuses if s.ally == "POL"] == ["meeting", "below"]
    assert result.summary.conflicting == ["POL"]
    assert result.summary.meeting == result.summary.below == []


def test_a_published_count_is_compared_only_within_one_edition() -> None:
    rule = ComplianceRule("share_gdp", Decimal("2"), Basis.full_precision)
    figures = [_figure("POL", "4.12"), _figure("USA", "3.38")]
    counts = [_count("2"), _count("3"), _count(None), _count("2", edition="2025-04")]
    result = assess_year(figures, NAMES, counts, year=2024, rule=rule, edition_rule=LATEST)
    assert [(c.computed_meeting, c.mismatch) for c in result.counts] == [
        (2, False),
        (2, True),
        (2, None),  # words only, no number
        (2, None),  # another edition than the figures
    ]
    mixed = [_figure("POL", "4.12"), _figure("USA", "3.38", edition="2025-04")]
    result = assess_year(mixed, NAMES, [_count("2")], year=2024, rule=rule, edition_rule=LATEST)
    assert result.editions == ["2024-06", "2025-04"]
    assert result.counts[0].mismatch is None


def test_history_classifies_each_year_with_its_own_counts() -> None:
    rule = ComplianceRule("share_gdp", Decimal("2"), Basis.published)
    figures = [
        Figure("POL", 2023, "1.995", "2024-06", "s", False, "%"),
        Figure("POL", 2024, "1.994", "2024-06", "s", False, "%"),
    ]
    history = assess_history(figures, NAMES, [_count("1")], rule=rule, edition_rule=LATEST)
    assert [(y.year, y.summary.meeting, y.summary.below) for y in history.years] == [
        (2023, ["POL"], []),
        (2024, [], ["POL"]),
    ]
    assert [len(y.counts) for y in history.years] == [0, 1]
    assert history.years[1].counts[0].mismatch is True


def test_the_rule_states_its_threshold_and_basis_in_words() -> None:
    rule = compliance_rule("share_gdp", None, Basis.published)
    assert rule.threshold == Decimal("2")
    assert rule.description == (
        "meets when share_gdp >= 2, comparing the value rounded to 2 decimals, half up (as "
        "NATO prints it); a value equal to the threshold meets it; no figure means no_data, "
        "never failing"
    )
    assert compliance_rule("equipment_share", None, Basis.full_precision).threshold == 20


@pytest.mark.parametrize(
    ("indicator", "threshold", "message"),
    [
        ("personnel_share", None, "threshold: personnel_share has no default guideline"),
        ("usd_current", Decimal(2), "indicator: 'usd_current' is not a share or rate"),
    ],
)
def test_a_rule_without_a_threshold_or_on_money_is_refused(
    indicator: str, threshold: Decimal | None, message: str
) -> None:
    with pytest.raises(Unprocessable, match=message):
        compliance_rule(indicator, threshold, Basis.full_precision)
