"""The edition rule as a value, without a database: its mode and its text."""

from __future__ import annotations

import datetime as dt

import pytest

from app.analysis.editions import EditionRule, check_rule_arguments
from app.errors import BadRequest


@pytest.mark.parametrize(
    ("rule", "mode", "description"),
    [
        (EditionRule(), "latest", "for each figure, the newest edition that has it (latest)"),
        (EditionRule(edition="2024-06"), "edition", "edition 2024-06 only"),
        (
            EditionRule(as_of=dt.date(2025, 5, 1)),
            "as_of",
            "for each figure, the newest edition published on or before 2025-05-01",
        ),
    ],
)
def test_the_rule_names_its_mode_and_says_it_in_words(
    rule: EditionRule, mode: str, description: str
) -> None:
    assert rule.as_dict() == {
        "mode": mode,
        "edition": rule.edition,
        "as_of": rule.as_of,
        "description": description,
    }


def test_a_pinned_edition_and_a_date_are_refused_together() -> None:
    check_rule_arguments(edition="2024-06", as_of=None)
    with pytest.raises(BadRequest, match="either `edition`"):
        check_rule_arguments(edition="2024-06", as_of=dt.date(2025, 5, 1))
