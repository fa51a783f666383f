"""Prices typed into forms (the shop's price filters, the dashboard's price form)."""

from __future__ import annotations

from handshake.catalog.errors import InvalidPrice
from handshake.kernel.money import Money, MoneyError

# The price columns are 32-bit integers; a larger amount is a form error, not a database one.
MAX_PRICE_MINOR = 2**31 - 1


def parse_price(text: str, currency: str, *, field: str) -> Money:
    """A price typed in a form; InvalidPrice when it is no amount or beyond what is stored."""
    try:
        amount = Money.parse(text, currency)
    except MoneyError:
        raise InvalidPrice(
            f"{text!r} is not an amount in {currency}.", extra={"field": field}
        ) from None
    if amount.minor < 0:
        raise InvalidPrice("Prices cannot be negative.", extra={"field": field})
    if amount.minor > MAX_PRICE_MINOR:
        top = Money(MAX_PRICE_MINOR, currency).format_plain()
        raise InvalidPrice(f"Prices go up to {top}.", extra={"field": field})
    return amount
