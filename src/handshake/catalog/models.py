"""Entities of the catalog domain."""
