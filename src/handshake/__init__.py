"""handshake: sell where people already are, with consent the shopper controls."""

__version__ = "0.1.0"
