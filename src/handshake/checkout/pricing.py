"""Pure arithmetic of a checkout: line amounts, shipping fee, tax and totals, in minor units.

Tax is computed once on the taxable total (items + shipping), not per line, so rounding never
drifts with the number of lines; amounts round half up to the minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from handshake.settings import DeliveryOptionSettings


@dataclass(frozen=True)
class LineAmounts:
    """A line as pricing sees it."""

    quantity: int
    unit_price_minor: int
    list_price_minor: int


@dataclass(frozen=True)
class Totals:
    """What the shopper pays, and what it is made of."""

    items_minor: int
    list_items_minor: int
    shipping_minor: int
    tax_minor: int
    total_minor: int

    @property
    def savings_minor(self) -> int:
        """Member (and other) savings against list prices."""
        return self.list_items_minor - self.items_minor


def _divide_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def shipping_fee(option: DeliveryOptionSettings, *, items_minor: int, is_member: bool) -> int:
    """The option's price for this basket: free over its threshold, member price for members."""
    if option.free_over_minor is not None and items_minor >= option.free_over_minor:
        return 0
    return option.member_fee_minor if is_member else option.fee_minor


def tax_amount(taxable_minor: int, rate_bp: int, *, included: bool) -> int:
    """Tax on ``taxable_minor``: the part it includes, or what is added on top."""
    if included:
        return _divide_half_up(taxable_minor * rate_bp, 10_000 + rate_bp)
    return _divide_half_up(taxable_minor * rate_bp, 10_000)


def totals(
    lines: Iterable[LineAmounts],
    *,
    option: DeliveryOptionSettings,
    is_member: bool,
    rate_bp: int,
    prices_include_tax: bool,
) -> Totals:
    """The totals of a basket shipped with ``option`` at tax rate ``rate_bp``."""
    lines = list(lines)
    items = sum(line.quantity * line.unit_price_minor for line in lines)
    list_items = sum(line.quantity * line.list_price_minor for line in lines)
    shipping = shipping_fee(option, items_minor=items, is_member=is_member) if lines else 0
    tax = tax_amount(items + shipping, rate_bp, included=prices_include_tax)
    total = items + shipping + (0 if prices_include_tax else tax)
    return Totals(items, list_items, shipping, tax, total)
