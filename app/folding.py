"""Case- and accent-insensitive text, one definition for the seed's search column and the
quote search."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Case- and accent-insensitive form of a text, for search ('Türkiye' -> 'turkiye')."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
