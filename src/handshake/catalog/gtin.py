"""GTIN (EAN/UPC) validation: GTIN-8, -12, -13 and -14 with the GS1 mod-10 check digit."""

from __future__ import annotations

GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (every digit but the last)."""
    total = 0
    # Weights alternate 3, 1, 3… starting from the digit next to the check digit.
    for position, char in enumerate(reversed(body)):
        total += int(char) * (3 if position % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_valid_gtin(value: str) -> bool:
    """Whether ``value`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if len(value) not in GTIN_LENGTHS or not value.isascii() or not value.isdigit():
        return False
    return check_digit(value[:-1]) == int(value[-1])


def normalise_gtin(value: str) -> str:
    """``value`` without spaces or dashes; raises ValueError when it is not a valid GTIN."""
    cleaned = value.replace(" ", "").replace("-", "")
    if not is_valid_gtin(cleaned):
        raise ValueError("not a valid GTIN-8/12/13/14 (length or check digit)")
    return cleaned
