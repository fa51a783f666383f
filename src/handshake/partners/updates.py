"""The marker for "leave this field as it is" in partial updates."""

from __future__ import annotations

from enum import Enum


class Keep(Enum):
    """Marks an update argument that was not given (distinct from ``None``, which clears)."""

    KEEP = "keep"


KEEP = Keep.KEEP
