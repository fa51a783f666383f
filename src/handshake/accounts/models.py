"""Entities of the accounts domain."""
