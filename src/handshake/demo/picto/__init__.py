"""Picto: a demo social feed with sponsored posts, linked-account offers and in-app checkout."""
