"""Reels: a demo video app whose videos carry product tags, with linked-account offers and
in-app checkout."""
