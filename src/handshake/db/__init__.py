"""Persistence platform: engine, base metadata, unit of work, migrations."""
