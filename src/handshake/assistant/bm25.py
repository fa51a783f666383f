"""Okapi BM25 over an in-memory inverted index that accepts upserts and removals one by one."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import numpy.typing as npt

from handshake.assistant.slot_table import BoolMask, SlotTable, with_length

K1 = 1.2
B = 0.75
MIN_FUZZY_LENGTH = 5  # shorter words have too many neighbours one edit away
MAX_CORRECTIONS = 2
Allowed = AbstractSet[str] | BoolMask | None


class _Postings:
    """Documents holding one term; the arrays used by queries are rebuilt only after a change."""

    __slots__ = ("_arrays", "tf_of")

    def __init__(self) -> None:
        self.tf_of: dict[int, int] = {}
        self._arrays: tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]] | None = None

    def put(self, slot: int, tf: int) -> None:
        self.tf_of[slot] = tf
        self._arrays = None

    def drop(self, slot: int) -> None:
        del self.tf_of[slot]
        self._arrays = None

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        if self._arrays is None:
            count = len(self.tf_of)
            slots = np.fromiter(self.tf_of.keys(), dtype=np.int64, count=count)
            tfs = np.fromiter(self.tf_of.values(), dtype=np.float32, count=count)
            self._arrays = (slots, tfs)
        return self._arrays


class Bm25Index:
    """Keyword relevance (k1=1.2, b=0.75, IDF never negative) over documents given as terms."""

    def __init__(self) -> None:
        self._slots = SlotTable()
        self._postings: dict[str, _Postings] = {}
        self._doc_terms: list[Counter[str] | None] = []
        self._lengths = np.zeros(0, dtype=np.float32)
        self._total_length = 0
        # Spelling variants (a term with one letter deleted) → terms; stale entries are skipped.
        self._spellings: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._slots)

    @property
    def capacity(self) -> int:
        """Length of a row mask accepted as ``allowed``."""
        return self._slots.capacity

    def slot_of(self, doc_id: str) -> int | None:
        """The row of ``doc_id`` in masks, None when not indexed."""
        return self._slots.slot_of(doc_id)

    def upsert(self, doc_id: str, terms: Sequence[str]) -> None:
        """Index ``doc_id`` with ``terms``, replacing what it had."""
        self.remove(doc_id)
        slot, _ = self._slots.assign(doc_id)
        counts = Counter(terms)
        for term, tf in counts.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = _Postings()
                self._remember_spelling(term)
            postings.put(slot, tf)
        if slot == len(self._doc_terms):
            self._doc_terms.append(counts)
        else:
            self._doc_terms[slot] = counts
        self._lengths = with_length(self._lengths, slot + 1, 0.0)
        self._lengths[slot] = len(terms)
        self._total_length += len(terms)

    def remove(self, doc_id: str) -> None:
        """Forget ``doc_id`` (nothing happens when it is unknown)."""
        slot = self._slots.release(doc_id)
        if slot is None:
            return
        counts = self._doc_terms[slot]
        self._doc_terms[slot] = None
        for term in counts or ():
            postings = self._postings[term]
            postings.drop(slot)
            if not postings.tf_of:
                del self._postings[term]
        self._total_length -= int(self._lengths[slot])
        self._lengths[slot] = 0.0

    def corrected(self, query_terms: Sequence[str]) -> list[str]:
        """The query's terms, each unknown long one replaced by known terms one edit away.

        Shoppers mistype ("thermostst", "serure"); a deletion index (every term with one letter
        removed) finds the words one insertion, deletion or substitution away.
        """
        found: list[str] = []
        for term in query_terms:
            if term in self._postings or len(term) < MIN_FUZZY_LENGTH or not term.isalpha():
                found.append(term)
                continue
            near = {c for v in _one_deleted(term) | {term} for c in self._spellings.get(v, ())}
            known = sorted(
                (c for c in near if c in self._postings), key=self._frequency, reverse=True
            )
            found += known[:MAX_CORRECTIONS] or [term]
        return found

    def _frequency(self, term: str) -> int:
        return len(self._postings[term].tf_of)

    def _remember_spelling(self, term: str) -> None:
        # Words only: SKUs and model numbers are typed exactly or not at all, and at 100,000
        # products their variants would take more memory than the words'.
        if len(term) >= MIN_FUZZY_LENGTH - 1 and term.isalpha():
            for variant in _one_deleted(term) | {term}:
                self._spellings.setdefault(variant, set()).add(term)

    def scores(self, query_terms: Iterable[str], allowed: Allowed = None) -> dict[str, float]:
        """The score of every allowed document sharing a term with the query."""
        accumulated = self._accumulate(query_terms, allowed)
        slots = np.flatnonzero(accumulated > 0)
        return {self._slots.id_at(int(s)): float(accumulated[s]) for s in slots}

    def top(
        self, query_terms: Iterable[str], k: int, allowed: Allowed = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best allowed documents, best first (ties in row order)."""
        if k <= 0:
            return []
        accumulated = self._accumulate(query_terms, allowed)
        slots = np.flatnonzero(accumulated > 0)
        if len(slots) > k:
            keep = np.argpartition(-accumulated[slots], k - 1)[:k]
            slots = slots[keep]
        order = np.lexsort((slots, -accumulated[slots]))
        return [(self._slots.id_at(int(s)), float(accumulated[s])) for s in slots[order]]

    def _accumulate(self, query_terms: Iterable[str], allowed: Allowed) -> npt.NDArray[np.float32]:
        accumulated = np.zeros(self._slots.capacity, dtype=np.float32)
        count = len(self._slots)
        if count == 0:
            return accumulated
        average_length = self._total_length / count or 1.0
        # A repeated query word counts once: "shoes shoe" is no stronger than "shoe".
        for term in dict.fromkeys(query_terms):
            postings = self._postings.get(term)
            if postings is None:
                continue
            slots, tfs = postings.arrays()
            df = len(slots)
            idf = math.log(1.0 + (count - df + 0.5) / (df + 0.5))
            norm = K1 * (1.0 - B + B * self._lengths[slots] / average_length)
            accumulated[slots] += np.float32(idf) * tfs * (K1 + 1.0) / (tfs + norm)
        if allowed is not None:
            accumulated[~self._mask(allowed)] = 0.0
        return accumulated

    def _mask(self, allowed: AbstractSet[str] | BoolMask) -> BoolMask:
        if isinstance(allowed, np.ndarray):
            padded = with_length(allowed.astype(np.bool_, copy=False), self.capacity, False)
            return padded[: self.capacity]
        return self._slots.mask_of(allowed)


def _one_deleted(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}
