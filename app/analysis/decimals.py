"""Exact decimal text and NATO's printed rounding, shared by every rule."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PUBLISHED_QUANTUM = Decimal("0.01")


def published_value(value: Decimal) -> Decimal:
    """The value as NATO prints it: 2 decimals, rounded half up."""
    return value.quantize(PUBLISHED_QUANTUM, rounding=ROUND_HALF_UP)


def decimal_text(value: Decimal) -> str:
    """Plain (non-scientific) text of a Decimal."""
    return format(value, "f")


def text_or_none(value: Decimal | None) -> str | None:
    return decimal_text(value) if value is not None else None


def number_or_none(value: Decimal | str | None) -> float | None:
    """A JSON number of an exact value (the text beside it keeps every digit)."""
    return float(value) if value is not None else None
