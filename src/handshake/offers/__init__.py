"""Offers: live personalised offers for partner apps and signed offer tokens."""
