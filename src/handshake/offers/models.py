"""Entities of the offers domain."""
