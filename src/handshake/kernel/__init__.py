"""Shared vocabulary of every domain: errors, ids, clock, money, events."""
