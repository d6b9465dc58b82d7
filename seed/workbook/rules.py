"""Where each indicator is in NATO's workbook, and the names NATO gives allies and aggregates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.folding import fold

DEFINITIONS = {False: "nato_defence_expenditure", True: "core_defence_expenditure"}
# NATO's spellings that are neither allies.csv `name` nor `iso_name`, old and new.
ALLY_ALIASES = {
    "turkey": "TUR",
    "turkiye": "TUR",
    "czech republic": "CZE",
    "slovakia": "SVK",
    "the former yugoslav republic of macedonia": "MKD",
    "former yugoslav republic of macedonia": "MKD",
    "fyr macedonia": "MKD",
}
AGGREGATES = {
    "nato europe and canada": "NATO_EUROPE_CANADA",
    "nato europe": "NATO_EUROPE",
    "nato total": "NATO_TOTAL",
}
MISSING = {"", "..", "#REF!"}


@dataclass(frozen=True)
class Rule:
    """Where an indicator is in the workbook: the table title, its unit line, the block caption
    (all matched on normalized text), or a column caption for Table 4's single column."""

    indicator: str
    title: str
    caption: str | None = None
    unit_line: str | None = None
    column: str | None = None
    # The unit text of the dataset's rows, per definition; {base} is the constant-price year.
    unit: str = ""
    core_unit: str = ""

    def matches(self, title: str, unit_lines: str, caption: str | None) -> bool:
        if not re.search(self.title, title):
            return False
        if self.unit_line and not re.search(self.unit_line, unit_lines):
            return False
        if self.caption is None:
            return True
        return caption is not None and re.search(self.caption, caption) is not None

    def unit_for(self, core: bool, base: int, indicator: str) -> str:
        # Table 4's indicator names its span (real_change_2014_2024): its unit says it too.
        first, last = indicator.split("_")[-2:] if self.column else ("", "")
        return (self.core_unit if core else self.unit).format(base=base, first=first, last=last)


CORE = " (core defence expenditure)"
RULES: tuple[Rule, ...] = (
    Rule(
        "ncu_current",
        r"^defence expenditure$",
        r"^current prices",
        unit_line="national currency",
        unit="million national currency units, current prices",
        core_unit="million national currency units, current prices" + CORE,
    ),
    Rule(
        "ncu_constant",
        r"^defence expenditure$",
        r"^constant",
        unit_line="national currency",
        unit="million national currency units, constant {base} prices",
        core_unit="million national currency units, constant {base} prices" + CORE,
    ),
    Rule(
        "usd_current",
        r"^defence expenditure$",
        r"^current prices",
        unit_line="us dollars",
        unit="million US dollars, current prices and exchange rates",
        core_unit="million US dollars, current prices and exchange rates" + CORE,
    ),
    Rule(
        "usd_constant",
        r"^defence expenditure$",
        r"^constant",
        unit_line="us dollars",
        unit="million US dollars, constant {base} prices and exchange rates",
        core_unit="million US dollars, constant {base} prices and exchange rates" + CORE,
    ),
    Rule(
        "share_gdp",
        r"share of gdp",
        r"^share of (real )?gdp",
        unit='% of GDP (NATO "share of real GDP", based on {base} prices)',
        core_unit=(
            '% of GDP (NATO "share of real GDP", based on {base} prices; core defence expenditure)'
        ),
    ),
    Rule(
        "real_change",
        r"share of gdp",
        r"^annual real change",
        unit="% annual real change (based on {base} prices)",
        core_unit="% annual real change (based on {base} prices; core defence expenditure)",
    ),
    Rule(
        "real_change_{first}_{last}",
        r"real change \d{4}\s*-\s*\d{4}",
        column=r"^real change (\d{4})\s*-\s*(\d{4})",
        unit=(
            "% cumulative real change in defence expenditure {first} to {last}e "
            "({base} prices and exchange rates)"
        ),
        core_unit=(
            "% cumulative real change in core defence expenditure {first} to {last}e "
            "({base} prices and exchange rates)"
        ),
    ),
    Rule(
        "gdp_usd_current",
        r"^gdp$",
        r"^current prices",
        unit="million US dollars, current prices and exchange rates",
        core_unit="million US dollars, current prices and exchange rates",
    ),
    Rule(
        "gdp_usd_constant",
        r"^gdp$",
        r"^constant",
        unit="million US dollars, constant {base} prices and exchange rates (real GDP)",
        core_unit="million US dollars, constant {base} prices and exchange rates (real GDP)",
    ),
    Rule(
        "gdp_per_capita",
        r"per capita",
        r"^gdp per capita",
        unit="thousand US dollars per capita, {base} prices and exchange rates",
        core_unit="thousand US dollars per capita, {base} prices and exchange rates",
    ),
    Rule(
        "expenditure_per_capita",
        r"per capita",
        r"^defence expenditure per capita",
        unit="US dollars per capita, {base} prices and exchange rates",
        core_unit="US dollars per capita, {base} prices and exchange rates" + CORE,
    ),
    Rule(
        "military_personnel",
        r"^military personnel$",
        unit="thousands of military personnel",
        core_unit="thousands of military personnel",
    ),
    Rule(
        "equipment_share",
        r"by main category",
        r"^equipment",
        unit="% of total defence expenditure (equipment = major equipment incl. related R&D)",
        core_unit="% of core defence expenditure (equipment = major equipment incl. related R&D)",
    ),
    Rule(
        "personnel_share",
        r"by main category",
        r"^personnel",
        unit="% of total defence expenditure (personnel incl. pensions)",
        core_unit="% of core defence expenditure (personnel incl. pensions)",
    ),
    Rule(
        "infrastructure_share",
        r"by main category",
        r"^infrastructure",
        unit="% of total defence expenditure",
        core_unit="% of core defence expenditure",
    ),
    Rule(
        "other_share",
        r"by main category",
        r"^other",
        unit="% of total defence expenditure (O&M, other R&D, unallocated)",
        core_unit="% of core defence expenditure (O&M, other R&D, unallocated)",
    ),
)
# Money at constant prices: not comparable across editions with different base years (shares
# of GDP and real changes are ratios, and their revisions are what a release is read for).
CONSTANT_PRICES = frozenset(
    {"ncu_constant", "usd_constant", "gdp_usd_constant", "gdp_per_capita", "expenditure_per_capita"}
)
# Table 4 is the only optional table: NATO's 2026 workbook has none.
OPTIONAL = {"real_change_{first}_{last}"}
# Physical limits, not plausibility: a share is a percentage, money and people are not negative,
# spending cannot fall by more than all of it.
RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "share_gdp": (Decimal(0), Decimal(100)),
    "equipment_share": (Decimal(0), Decimal(100)),
    "personnel_share": (Decimal(0), Decimal(100)),
    "infrastructure_share": (Decimal(0), Decimal(100)),
    "other_share": (Decimal(0), Decimal(100)),
    "real_change": (Decimal(-100), None),
}


def normal(text: str) -> str:
    """Lower-case text without footnote markers, '(a)' notes, 'core' and extra spaces."""
    text = re.sub(r"\*|\(\s*[a-z]\s*\)|\bcore\b", " ", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip().lower()


def label_key(label: str) -> str:
    """An ally or aggregate label as a lookup key: no footnote marker, no currency label."""
    return re.sub(r"\s+", " ", fold(without_last_parenthesis(label.replace("*", " ")))).strip()


def without_last_parenthesis(text: str) -> str:
    r"""The text without a final "(...)" (and the blanks after it): "Albania (Lek)" -> "Albania ".

    What re.sub(r"\([^)]*\)\s*$", "", text) did, in linear time: that pattern tries every
    "(" and scans to the end from each, so a label of a million "(" took minutes. The part
    removed starts at the first "(" after the last ")" but the final one.
    """
    end = len(text.rstrip())
    if not text.endswith(")", 0, end):
        return text
    start = text.find("(", text.rfind(")", 0, end - 1) + 1, end - 1)
    return text if start < 0 else text[:start]


# The table each indicator is in, as NATO titles it, for the "missing table" message.
TABLE_OF = {
    "ncu_current": "Table 1 : Defence expenditure (Million national currency units)",
    "usd_current": "Table 2 : Defence expenditure (Million US dollars)",
    "share_gdp": "Table 3 : Defence expenditure as a share of GDP and annual real change",
    "gdp_usd_current": "Table 5 : GDP",
    "gdp_per_capita": "Table 6 : GDP per capita and defence expenditure per capita",
    "military_personnel": "Table 7 : Military personnel",
    "equipment_share": "Table 8a/8b : Distribution of defence expenditure by main category",
}


class Names:
    """Ally and aggregate names as NATO writes them, to ISO3 or aggregate codes."""

    def __init__(self, allies: Iterable[dict[str, Any]]) -> None:
        self.allies: dict[str, str] = dict(ALLY_ALIASES)
        for ally in allies:
            self.allies[label_key(ally["name"])] = ally["iso3"]
            self.allies[label_key(ally["iso_name"])] = ally["iso3"]

    def resolve(self, label: str) -> tuple[str, bool] | None:
        key = label_key(label)
        if key in AGGREGATES:
            return AGGREGATES[key], True
        if key in self.allies:
            return self.allies[key], False
        return None
