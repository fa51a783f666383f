"""Picto's "My orders": the kit's order book (every shopping partner app files orders alike)."""

from handshake.demo.partner_kit.orders import MAX_BROWSERS, MAX_CHECKOUTS, OrderBook, PartnerOrder

__all__ = ["MAX_BROWSERS", "MAX_CHECKOUTS", "OrderBook", "PartnerOrder"]
