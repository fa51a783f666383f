"""Entities of the attribution domain."""
