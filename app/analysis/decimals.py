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


# A number a client sends (a threshold, a claimed value, a target) is bounded in digits and
# exponent before any arithmetic or formatting: `1E-999999999` is a short URL whose plain
# text is a billion digits (issue 23: a 1 GB answer; `1E-99999999999999`, a MemoryError).
# No published figure carries more than 12 decimals; 30 digits hold any of them.
MAX_DECIMALS = 12
MAX_DIGITS = 30


def bounded_decimal(value: Decimal | None) -> Decimal | None:
    """`value` unchanged when it has at most MAX_DECIMALS decimals and MAX_DIGITS digits
    (by its exponent, so 0E-30, zero with 30 decimals, counts them too); else a ValueError
    naming the bound (a 422 for a query parameter, through pydantic)."""
    if value is None:
        return None
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError("give a finite number")
    decimals = max(-exponent, 0)
    if decimals > MAX_DECIMALS or len(digits) + max(exponent, 0) > MAX_DIGITS:
        raise ValueError(
            f"give at most {MAX_DECIMALS} decimals and {MAX_DIGITS} digits in all "
            "(the number written out)"
        )
    return value
