"""The words of the SVG charts in English and French: phrases, indicator names, number style.

A typed table rather than gettext catalogues: two languages and a few dozen phrases, checked
by mypy, with no compile step. Errors (problem+json) stay in English, like the rest of the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from app.names_fr import french_name

Lang = Literal["en", "fr"]
# French numbers: narrow no-break space between thousands, decimal comma.
_FRENCH_NUMBER = str.maketrans(",.", "\u202f,")


@dataclass(frozen=True)
class ChartText:
    """Every phrase a chart writes, in one language; `{name}` fields are filled by format()."""

    lang: Lang
    # ranked bars
    at_or_above: str = "At or above {threshold} ({count})"
    below: str = "Below ({count})"
    no_data_count: str = "No data ({count})"
    estimate_key: str = "e = estimate"
    no_data: str = "no data"
    no_data_title: str = "{label}: no data (missing, not zero)"
    status_meets: str = "at or above"
    status_below: str = "below"
    bar_title: str = "{label}: {value} {axis}, {status} {threshold} (edition {edition}{estimate})"
    estimate: str = ", estimate"
    ranked_desc: str = (
        "{subtitle}. {meeting} of {with_data} allies with a figure are at or above "
        "{threshold}; {without} without a figure: {names}."
    )
    none: str = "none"
    # line chart
    line_desc: str = "{subtitle}. Series: {names}. {count} figures."
    line_desc_empty: str = " No figures were published for this selection."
    point_title: str = "{series}, {year}: {value}{estimate}"
    marker_key: str = (
        "Filled marker = figure, hollow marker = estimate; a gap means no figure for that year."
    )
    # titles, axes and footers the endpoints write
    compliance_title: str = "Defence expenditure as share of GDP, {year}"
    compliance_subtitle: str = "Allies ranked, threshold {threshold}; {rule}"
    compliance_axis: str = "Defence expenditure ({unit})"
    ally_title: str = "{ally}: {indicator}"
    ally_subtitle: str = "One line per report edition (revisions are not merged)"
    year: str = "Year"
    source_line: str = "Source: {sources}"
    edition_line: str = "Edition: {editions} ({rule})"
    definition_note: str = (
        "Edition {editions} measures core defence expenditure (2025 Hague definition), "
        "not comparable with earlier editions."
    )
    definition_note_many: str = (
        "Editions {editions} measure core defence expenditure (2025 Hague definition), "
        "not comparable with earlier editions."
    )
    api_line: str = "NATO defence expenditure API."
    labels_note: str = " Labels shortened to 2 decimals; exact figures in the JSON API."
    rule_edition: str = "edition {edition} only"
    rule_as_of: str = "for each figure, the newest edition published on or before {date}"
    rule_latest: str = "for each figure, the newest edition that has it (latest)"
    selected_editions: str = "selected editions"
    every_edition: str = "every edition with figures"
    # pathways (the road to a target share of GDP by a deadline)
    computed: str = ", computed"
    pathway_title: str = "{ally}: the road to {target} by {by}"
    pathway_subtitle: str = (
        "Published series, the straight-line required path and the projection at the pace of "
        "the last {pace_years} years"
    )
    pathway_published: str = "Published, edition {edition}"
    pathway_required: str = "Required path to {target} by {by} (computed)"
    pathway_projected: str = "At the current pace of {pace} pp a year (computed)"
    pathway_target: str = "target {target}"
    pathway_deadline: str = "deadline {by}"
    pathway_status: str = "Status: {status}"
    pathway_no_figure: str = "No figure: {reason}"
    statuses: dict[str, str] = field(
        default_factory=lambda: {
            "met": "met",
            "on_track": "on track",
            "off_track": "off track",
            "insufficient_data": "insufficient data",
            "no_data": "no data",
        }
    )
    pathways_title: str = "The road to {target} by {by}: required yearly increase and pace"
    pathways_subtitle: str = (
        "Percentage points of GDP a year: required to reach the target (bar), pace of the "
        "last {pace_years} years (dot)"
    )
    pathways_axis: str = "Percentage points of GDP a year"
    pathways_required_key: str = "Required increase a year"
    pathways_pace_key: str = "Current pace a year"
    pathways_row_title: str = (
        "{label}: {status}; {value}% of GDP in {year} (edition {edition}); required {required} "
        "pp a year, pace {pace} pp a year"
    )
    pathways_desc: str = (
        "{subtitle}. Met {met}, on track {on_track}, off track {off_track}, insufficient data "
        "{insufficient_data}, no data {no_data}."
    )
    pathways_scope: str = (
        "Defence expenditure only: NATO publishes no per-ally figures of the up to 1.5% of "
        "related spending of the Hague commitment."
    )
    no_pace: str = "no pace"
    # Indicator id -> (name, canonical unit), where the data's English ones are not used.
    indicators: dict[str, tuple[str, str]] = field(default_factory=dict)

    def number(self, text: str) -> str:
        """A number written in English style (1,234.5) in this language's style."""
        if self.lang == "fr":
            return text.translate(_FRENCH_NUMBER)
        return text

    def with_unit(self, number: str, unit: str) -> str:
        """2% of GDP, 100 US$ billion; in French a (no-break) space always precedes the unit."""
        if self.lang == "fr":
            return f"{self.number(number)}\u00a0{unit}"
        return f"{number}{unit}" if unit.startswith("%") else f"{number} {unit}"

    def indicator(self, indicator_id: str, name: str, unit: str) -> tuple[str, str]:
        """The indicator's name and unit in this language (the data's when none is given)."""
        return self.indicators.get(indicator_id, (name, unit))

    def ally(self, iso3: str, name: str) -> str:
        """The ally's name in this language (NATO's French name in French)."""
        return (french_name(iso3) or name) if self.lang == "fr" else name

    def rule(self, edition: str | None, as_of: dt.date | None) -> str:
        """The edition rule in words (EditionRule.describe() is the API's English one)."""
        if edition:
            return self.rule_edition.format(edition=edition)
        if as_of:
            return self.rule_as_of.format(date=as_of.isoformat())
        return self.rule_latest


EN = ChartText(lang="en")

_FR_SHARE = "% des dépenses de défense totales"
_FR_MUSD_CURRENT = "millions de dollars US, prix et taux de change courants"
_FR_MUSD_CONSTANT = "millions de dollars US, prix et taux de change constants"
FR = ChartText(
    lang="fr",
    at_or_above="Au niveau de {threshold} ou plus ({count})",
    below="En dessous ({count})",
    no_data_count="Pas de données ({count})",
    estimate_key="e = estimation",
    no_data="pas de données",
    no_data_title="{label} : pas de données (manquantes, pas zéro)",
    status_meets="au niveau ou au-dessus de",
    status_below="en dessous de",
    bar_title="{label} : {value} {axis}, {status} {threshold} (édition {edition}{estimate})",
    estimate=", estimation",
    ranked_desc=(
        "{subtitle}. {meeting} des {with_data} Alliés ayant un chiffre sont au niveau de "
        "{threshold} ou plus ; {without} sans chiffre : {names}."
    ),
    none="aucun",
    line_desc="{subtitle}. Séries : {names}. {count} chiffres.",
    line_desc_empty=" Aucun chiffre n'a été publié pour cette sélection.",
    point_title="{series}, {year} : {value}{estimate}",
    marker_key=(
        "Marqueur plein = chiffre, marqueur creux = estimation ; une interruption signifie "
        "qu'aucun chiffre n'est publié pour l'année."
    ),
    compliance_title="Dépenses de défense en pourcentage du PIB, {year}",
    compliance_subtitle="Alliés classés, seuil {threshold} ; {rule}",
    compliance_axis="Dépenses de défense ({unit})",
    ally_title="{ally} : {indicator}",
    ally_subtitle="Une ligne par édition du rapport (les révisions ne sont pas fusionnées)",
    year="Année",
    source_line="Source : {sources}",
    edition_line="Édition : {editions} ({rule})",
    definition_note=(
        "L'édition {editions} mesure les dépenses de défense essentielles (définition du "
        "sommet de La Haye de 2025), non comparables aux éditions antérieures."
    ),
    definition_note_many=(
        "Les éditions {editions} mesurent les dépenses de défense essentielles (définition du "
        "sommet de La Haye de 2025), non comparables aux éditions antérieures."
    ),
    api_line="API des dépenses de défense de l'OTAN.",
    labels_note=" Étiquettes arrondies à 2 décimales ; chiffres exacts dans l'API JSON.",
    rule_edition="édition {edition} seulement",
    rule_as_of="pour chaque chiffre, l'édition la plus récente publiée le {date} ou avant",
    rule_latest="pour chaque chiffre, l'édition la plus récente qui le publie (la dernière)",
    selected_editions="éditions choisies",
    every_edition="toutes les éditions qui ont des chiffres",
    computed=", calculé",
    pathway_title="{ally} : la trajectoire vers {target} d'ici {by}",
    pathway_subtitle=(
        "Série publiée, trajectoire linéaire requise et projection au rythme des {pace_years} "
        "dernières années"
    ),
    pathway_published="Publié, édition {edition}",
    pathway_required="Trajectoire requise vers {target} d'ici {by} (calculée)",
    pathway_projected="Au rythme actuel de {pace} point par an (calculé)",
    pathway_target="objectif {target}",
    pathway_deadline="échéance {by}",
    pathway_status="Situation : {status}",
    pathway_no_figure="Pas de chiffre : {reason}",
    statuses={
        "met": "atteint",
        "on_track": "en bonne voie",
        "off_track": "en retard",
        "insufficient_data": "données insuffisantes",
        "no_data": "pas de données",
    },
    pathways_title=(
        "La trajectoire vers {target} d'ici {by} : hausse annuelle requise et rythme actuel"
    ),
    pathways_subtitle=(
        "Points de PIB par an : hausse requise pour atteindre l'objectif (barre), rythme des "
        "{pace_years} dernières années (point)"
    ),
    pathways_axis="Points de pourcentage du PIB par an",
    pathways_required_key="Hausse requise par an",
    pathways_pace_key="Rythme actuel par an",
    pathways_row_title=(
        "{label} : {status} ; {value} % du PIB en {year} (édition {edition}) ; requis {required} "
        "point par an, rythme {pace} point par an"
    ),
    pathways_desc=(
        "{subtitle}. Atteint {met}, en bonne voie {on_track}, en retard {off_track}, données "
        "insuffisantes {insufficient_data}, pas de données {no_data}."
    ),
    pathways_scope=(
        "Dépenses de défense seulement : l'OTAN ne publie pas de chiffres par Allié des "
        "dépenses connexes (jusqu'à 1,5 %) de l'engagement de La Haye."
    ),
    no_pace="pas de rythme",
    # The indicators with per-ally figures (those an ally chart can draw).
    indicators={
        "share_gdp": ("Dépenses de défense en pourcentage du PIB", "% du PIB"),
        "usd_current": ("Dépenses de défense, dollars US courants", _FR_MUSD_CURRENT),
        "usd_constant": ("Dépenses de défense, dollars US constants", _FR_MUSD_CONSTANT),
        "ncu_current": (
            "Dépenses de défense, monnaie nationale, prix courants",
            "millions d'unités de monnaie nationale, prix courants",
        ),
        "ncu_constant": (
            "Dépenses de défense, monnaie nationale, prix constants",
            "millions d'unités de monnaie nationale, prix constants",
        ),
        "equipment_share": ("Part des dépenses d'équipement", _FR_SHARE),
        "personnel_share": ("Part des dépenses de personnel", _FR_SHARE),
        "infrastructure_share": ("Part des dépenses d'infrastructure", _FR_SHARE),
        "other_share": ("Part des autres dépenses", _FR_SHARE),
        "real_change": (
            "Variation annuelle en termes réels des dépenses de défense",
            "% de variation par rapport à l'année précédente, prix constants",
        ),
        "real_change_2014_2024": (
            "Variation cumulée en termes réels 2014-2024",
            "% de variation de 2014 à 2024e, prix constants de 2015",
        ),
        "gdp_usd_current": ("PIB, dollars US courants", _FR_MUSD_CURRENT),
        "gdp_usd_constant": ("PIB, dollars US constants (PIB réel)", _FR_MUSD_CONSTANT),
        "gdp_per_capita": (
            "PIB par habitant",
            "milliers de dollars US par habitant, prix et taux de change constants",
        ),
        "expenditure_per_capita": (
            "Dépenses de défense par habitant",
            "dollars US par habitant, prix et taux de change constants",
        ),
        "military_personnel": ("Personnel militaire", "milliers de militaires"),
    },
)

TEXTS: dict[Lang, ChartText] = {"en": EN, "fr": FR}
