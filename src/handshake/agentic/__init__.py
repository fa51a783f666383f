"""Checkout for AI agents through the Agentic Commerce Protocol (an adapter over checkout)."""
