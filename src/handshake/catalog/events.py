"""Events of the catalog domain."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class ProductSaved(Event):
    """A product (and its variants) was created or changed."""

    product_id: str
    handle: str


@dataclass(frozen=True, kw_only=True)
class ProductArchived(Event):
    """A product stopped being sold."""

    product_id: str


@dataclass(frozen=True, kw_only=True)
class PricesSet(Event):
    """A variant's list or member price was set."""

    product_id: str
    variant_id: str


@dataclass(frozen=True, kw_only=True)
class StockChanged(Event):
    """On-hand stock of a variant in a warehouse changed."""

    variant_id: str
    warehouse_code: str
    on_hand: int
    available: int
    # Why an operator changed it ("stock take", "damaged"…); empty for sales and imports.
    reason: str = ""
