"""GTIN-13 numbers for demo products (GS1 mod-10 check digit)."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The GS1 check digit for ``body`` (the digits before it)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin13(body12: str) -> str:
    """``body12`` (12 digits) followed by its check digit."""
    if len(body12) != 12 or not body12.isdigit():
        raise ValueError("a GTIN-13 body has 12 digits")
    return body12 + str(check_digit(body12))
