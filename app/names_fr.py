"""The allies' names in French, NATO's second official language: pycountry's ISO names, with
NATO's own spellings overriding them in one table."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

# Where NATO's French usage differs from the French ISO 3166 short name (pycountry's
# iso3166-1 French translation). Each entry mirrors a choice NATO makes in English too, as
# seed/data/allies.csv records it in `name` beside `iso_name`:
# - SVK: NATO writes "Slovak Republic" (not ISO's "Slovakia") in English and "République
#   slovaque" in French, in the country tables of its defence-expenditure releases.
# - TUR: NATO writes "Türkiye" in English and in French since 2022, when the country asked
#   international organisations to use it; ISO's French short name is still "Turquie".
# The other 30 allies' NATO French names are ISO's, checked one by one against NATO's
# French usage in tests/test_allies.py (e.g. "Tchéquie", "Macédoine du Nord", "Royaume-Uni",
# "États-Unis", "Pays-Bas"). A test also fails if an entry here stops differing from ISO's.
NATO_FRENCH_NAMES: dict[str, str] = {
    "SVK": "République slovaque",
    "TUR": "Türkiye",
}


@cache
def _iso_french() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])


def iso_french_name(iso3: str) -> str | None:
    """The French ISO 3166 short name of a country (None for a code ISO does not know)."""
    country = pycountry.countries.get(alpha_3=iso3)
    return None if country is None else _iso_french().gettext(country.name)


def french_name(iso3: str) -> str | None:
    """NATO's French name of an ally: the override, else the French ISO name."""
    return NATO_FRENCH_NAMES.get(iso3) or iso_french_name(iso3)
