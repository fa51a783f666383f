"""Alembic migrations of the whole schema.

This package sits beside the entrypoints (not inside ``db``) because its environment must import
every domain's models, which only the top layer may do.
"""
