"""Payments: the payment provider port, the built-in sandbox provider, and payment records."""
