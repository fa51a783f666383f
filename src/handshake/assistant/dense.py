"""Exact cosine search over L2-normalised vectors kept as rows of one float32 matrix."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

import numpy as np
import numpy.typing as npt

from handshake.assistant.documents import Vector
from handshake.assistant.slot_table import BoolMask, SlotTable, with_length


class DenseIndex:
    """Vectors of one dimension; a query is one matrix-vector product over the live rows."""

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self._slots = SlotTable()
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._live = np.zeros(0, dtype=np.bool_)

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def capacity(self) -> int:
        """Length of a row mask accepted as ``allowed``."""
        return self._slots.capacity

    def slot_of(self, doc_id: str) -> int | None:
        """The row of ``doc_id`` in masks, None when not indexed."""
        return self._slots.slot_of(doc_id)

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` rows at once (a bulk load then allocates exactly once)."""
        if rows > len(self._matrix):
            # At least half again, so adding products one by one does not copy every time.
            size = max(rows, len(self._matrix) * 3 // 2)
            grown = np.zeros((size, self.dimensions), dtype=np.float32)
            grown[: len(self._matrix)] = self._matrix
            self._matrix = grown
            self._live = with_length(self._live, size, False)

    def upsert(self, doc_id: str, vector: Vector) -> None:
        """Store ``vector`` (already L2-normalised) for ``doc_id``, replacing any earlier one."""
        if vector.shape != (self.dimensions,):
            raise ValueError(f"expected a vector of {self.dimensions}, got shape {vector.shape}")
        slot, _ = self._slots.assign(doc_id)
        # Grown by doubling so 100,000 rows stay one matrix without a copy per insert.
        self._matrix = with_length(self._matrix, slot + 1, 0.0)
        self._live = with_length(self._live, slot + 1, False)
        self._matrix[slot] = vector
        self._live[slot] = True

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id`` (nothing happens when it is unknown)."""
        slot = self._slots.release(doc_id)
        if slot is not None:
            self._live[slot] = False
            self._matrix[slot] = 0.0

    def top(
        self,
        query_vector: Vector,
        k: int,
        allowed: AbstractSet[str] | BoolMask | None = None,
    ) -> list[tuple[str, float]]:
        """The ``k`` allowed documents most similar to ``query_vector`` (cosine), best first."""
        used = self._slots.capacity
        if k <= 0 or used == 0:
            return []
        candidates = self._live[:used] & self._allowed_mask(allowed)
        slots = np.flatnonzero(candidates)
        if len(slots) == 0:
            return []
        scores = self._similarities(slots, query_vector.astype(np.float32, copy=False))
        if len(slots) > k:
            keep = np.argpartition(-scores, k - 1)[:k]
            slots, scores = slots[keep], scores[keep]
        order = np.lexsort((slots, -scores))
        return [(self._slots.id_at(int(slots[i])), float(scores[i])) for i in order]

    def _similarities(
        self, slots: npt.NDArray[np.intp], query_vector: Vector
    ) -> npt.NDArray[np.float32]:
        used = self._slots.capacity
        if len(slots) * 10 < used:
            # A narrow filter: gathering the few rows is cheaper than scoring them all (measured:
            # at 40 % of the rows the gather costs more than the full product).
            return self._matrix[slots] @ query_vector
        return (self._matrix[:used] @ query_vector)[slots]

    def _allowed_mask(self, allowed: AbstractSet[str] | BoolMask | None) -> BoolMask:
        used = self._slots.capacity
        if allowed is None:
            return np.ones(used, dtype=np.bool_)
        if isinstance(allowed, np.ndarray):
            return with_length(allowed.astype(np.bool_, copy=False), used, False)[:used]
        return self._slots.mask_of(allowed)
