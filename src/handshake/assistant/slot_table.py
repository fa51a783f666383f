"""Row numbers for document ids, reused after removal, so per-document data stays in arrays."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

BoolMask = npt.NDArray[np.bool_]
_Item = TypeVar("_Item", bound=np.generic)


class SlotTable:
    """Maps document ids to dense row numbers; freed rows are handed out again first."""

    def __init__(self) -> None:
        self._slot_of: dict[str, int] = {}
        self._id_at: list[str | None] = []
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    @property
    def capacity(self) -> int:
        """How many rows were ever handed out (live or free): the length arrays need."""
        return len(self._id_at)

    def assign(self, doc_id: str) -> tuple[int, bool]:
        """The row of ``doc_id`` and whether it was just created."""
        slot = self._slot_of.get(doc_id)
        if slot is not None:
            return slot, False
        if self._free:
            slot = self._free.pop()
            self._id_at[slot] = doc_id
        else:
            slot = len(self._id_at)
            self._id_at.append(doc_id)
        self._slot_of[doc_id] = slot
        return slot, True

    def release(self, doc_id: str) -> int | None:
        """Free the row of ``doc_id`` and return it (None when unknown)."""
        slot = self._slot_of.pop(doc_id, None)
        if slot is not None:
            self._id_at[slot] = None
            self._free.append(slot)
        return slot

    def slot_of(self, doc_id: str) -> int | None:
        """The row of ``doc_id``, None when unknown."""
        return self._slot_of.get(doc_id)

    def id_at(self, slot: int) -> str:
        """The id living in ``slot`` (the slot must be live)."""
        doc_id = self._id_at[slot]
        if doc_id is None:
            raise KeyError(slot)
        return doc_id

    def ids(self) -> list[str]:
        """Every live id, in row order."""
        return [doc_id for doc_id in self._id_at if doc_id is not None]

    def mask_of(self, doc_ids: Iterable[str]) -> BoolMask:
        """A row mask (length ``capacity``) set for the known ids among ``doc_ids``."""
        mask = np.zeros(self.capacity, dtype=np.bool_)
        slots = [slot for slot in map(self._slot_of.get, doc_ids) if slot is not None]
        mask[np.asarray(slots, dtype=np.int64)] = True
        return mask


def with_length(array: npt.NDArray[_Item], length: int, fill: object) -> npt.NDArray[_Item]:
    """``array`` itself when long enough, else a copy grown by half or more, ``fill``ed."""
    if len(array) >= length:
        return array
    size = max(length, len(array) * 3 // 2, 16)
    grown = np.full((size, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown
