"""Checkout: sessions, stock reservations, orders, refunds."""
