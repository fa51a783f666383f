"""Entities of the partners domain."""
