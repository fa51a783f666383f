"""Hybrid product search in memory: BM25 and embeddings fused by rank, under hard filters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from handshake.assistant.bm25 import Bm25Index
from handshake.assistant.constraints import Constraints
from handshake.assistant.dense import DenseIndex
from handshake.assistant.documents import Hit, ProductDocument
from handshake.assistant.embedding import Embedder, Vector2D
from handshake.assistant.fusion import reciprocal_rank_fusion
from handshake.assistant.slot_table import BoolMask, SlotTable, with_length
from handshake.assistant.terms import passage_text, product_text, terms
from handshake.catalog.search_text import normalise

SearchMode = Literal["bm25", "dense", "hybrid"]
_Key = TypeVar("_Key")

# Option keys shoppers and catalogs spell differently but mean the same: a "couleur" constraint
# must reach a product whose option is called "Color".
_OPTION_KEY_ALIASES = {
    "color": "colour",
    "colors": "colour",
    "colour": "colour",
    "colours": "colour",
    "couleur": "colour",
    "couleurs": "colour",
    "coloris": "colour",
    "size": "size",
    "sizes": "size",
    "taille": "size",
    "tailles": "size",
    "pointure": "size",
}
_NO_CODE = -1


@lru_cache(maxsize=4096)
def option_key(key: str) -> str:
    """The comparable form of an option key (colour and size spellings folded together)."""
    normalised = normalise(key)
    return _OPTION_KEY_ALIASES.get(normalised, normalised)


@lru_cache(maxsize=65_536)
def _folded(text: str) -> str:
    """Case- and accent-insensitive form of a brand or option value (few distinct ones)."""
    return normalise(text)


def _path_key(path: str) -> str:
    return path.strip().strip("/").casefold()


class _Rows:
    """Rows holding one option value; the array filters use is rebuilt only after a change."""

    __slots__ = ("_array", "rows")

    def __init__(self) -> None:
        self.rows: set[int] = set()
        self._array: npt.NDArray[np.int64] | None = None

    def add(self, row: int) -> None:
        self.rows.add(row)
        self._array = None

    def discard(self, row: int) -> None:
        self.rows.discard(row)
        self._array = None

    def array(self) -> npt.NDArray[np.int64]:
        if self._array is None:
            self._array = np.fromiter(self.rows, dtype=np.int64, count=len(self.rows))
        return self._array


class ProductIndex:
    """Every sellable product, searchable by words and meaning, filterable on its facts."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._bm25 = Bm25Index()
        self._dense = DenseIndex(embedder.dimensions)
        self._slots = SlotTable()
        self._docs: dict[str, ProductDocument] = {}
        # Facts per row of self._slots, so a filter over 100,000 products is a few array ops.
        self._live = np.zeros(0, dtype=np.bool_)
        self._price = np.zeros(0, dtype=np.int64)
        self._member_price = np.zeros(0, dtype=np.int64)  # _NO_CODE when none
        self._available = np.zeros(0, dtype=np.int64)
        self._brand = np.zeros(0, dtype=np.int32)
        self._category = np.zeros(0, dtype=np.int32)
        self._bm25_slot = np.zeros(0, dtype=np.int64)
        self._dense_slot = np.zeros(0, dtype=np.int64)
        self._brand_codes: dict[str, int] = {}
        self._category_codes: dict[str, int] = {}
        self._option_rows: dict[tuple[str, str], _Rows] = {}
        # What the catalog offers, as it spells it, counted so the last removal forgets it.
        self._brand_counts: Counter[str] = Counter()
        self._category_counts: Counter[str] = Counter()
        self._category_names: dict[str, tuple[str, ...]] = {}
        self._option_counts: Counter[tuple[str, str]] = Counter()
        self._identifiers: dict[str, str] = {}  # compact SKU → product id

    def __len__(self) -> int:
        return len(self._docs)

    def get(self, product_id: str) -> ProductDocument | None:
        """The indexed document of ``product_id``."""
        return self._docs.get(product_id)

    def upsert(self, docs: Sequence[ProductDocument], vectors: Vector2D | None = None) -> None:
        """Index ``docs`` (replacing earlier versions); embeds their passages in one batch."""
        if vectors is None:
            vectors = self._embedder.passages([passage_text(doc) for doc in docs])
        if vectors.shape != (len(docs), self._embedder.dimensions):
            raise ValueError(f"expected {len(docs)} vectors, got shape {vectors.shape}")
        new = {doc.product_id for doc in docs} - self._docs.keys()
        self._dense.reserve(self._dense.capacity + len(new))
        for doc, vector in zip(docs, vectors, strict=True):
            self._forget(doc.product_id)
            self._bm25.upsert(doc.product_id, terms(product_text(doc)))
            self._dense.upsert(doc.product_id, vector)
            self._remember(doc)

    def remove(self, product_ids: Iterable[str]) -> None:
        """Forget the products (unknown ids are ignored)."""
        for product_id in product_ids:
            if self._forget(product_id):
                self._bm25.remove(product_id)
                self._dense.remove(product_id)

    def update_facts(
        self,
        product_id: str,
        *,
        min_price_minor: int,
        min_member_price_minor: int | None,
        available: int,
    ) -> bool:
        """Refresh price and stock of an indexed product; False when it is not indexed."""
        doc = self._docs.get(product_id)
        slot = self._slots.slot_of(product_id)
        if doc is None or slot is None:
            return False
        self._docs[product_id] = replace(
            doc,
            min_price_minor=min_price_minor,
            min_member_price_minor=min_member_price_minor,
            available=available,
        )
        self._set_facts(slot, self._docs[product_id])
        return True

    def brands(self) -> list[str]:
        """Brand names of the indexed products, as the catalog spells them, sorted."""
        return sorted(self._brand_counts)

    def categories(self) -> dict[str, tuple[str, ...]]:
        """Category paths of the indexed products with their names (EN, FR, ancestors)."""
        return {path: self._category_names[path] for path in sorted(self._category_counts)}

    def option_values(self) -> dict[str, frozenset[str]]:
        """Option keys of the indexed products with every value offered, as spelled."""
        values: dict[str, set[str]] = {}
        for key, value in self._option_counts:
            values.setdefault(key, set()).add(value)
        return {key: frozenset(found) for key, found in sorted(values.items())}

    def search(
        self,
        query: str,
        *,
        constraints: Constraints | None = None,
        mode: SearchMode = "hybrid",
        limit: int = 50,
        depth: int = 200,
    ) -> list[Hit]:
        """Products matching ``query`` among those satisfying ``constraints``, best first.

        Filters apply to the whole index before ranking. An empty query lists the allowed
        products in stock first, cheapest first. ``deliver_by`` is not evaluated here.
        """
        if mode not in ("bm25", "dense", "hybrid"):
            raise ValueError(f"unknown search mode {mode!r}")
        allowed = self._allowed_rows(constraints)
        if not normalise(query):
            return self._browse(allowed, limit)
        depth = max(depth, limit)
        keyword: list[tuple[str, float]] = []
        meaning: list[tuple[str, float]] = []
        if mode != "dense":
            rows = _rows_in(allowed, self._bm25_slot, self._bm25.capacity)
            keyword = self._bm25.top(self._bm25.corrected(terms(query)), depth, rows)
        if mode != "bm25":
            vector = self._embedder.query(query)
            rows = _rows_in(allowed, self._dense_slot, self._dense.capacity)
            meaning = self._dense.top(vector, depth, rows)
        if mode == "bm25":
            return [Hit(i, s, bm25_rank=r) for r, (i, s) in enumerate(keyword[:limit], 1)]
        if mode == "dense":
            return [Hit(i, s, dense_rank=r) for r, (i, s) in enumerate(meaning[:limit], 1)]
        return self._identified_first(query, _fused(keyword, meaning, limit), allowed)

    def _identified_first(self, query: str, hits: list[Hit], allowed: BoolMask | None) -> list[Hit]:
        """A query that is a SKU names its product: that one first, whatever the fusion says."""
        identifier = _identifier(query)
        product_id = self._identifiers.get(identifier) if len(identifier) >= 4 else None
        if product_id is None:
            return hits
        slot = self._slots.slot_of(product_id)
        if slot is None or (allowed is not None and not allowed[slot]):
            return hits
        named = next((hit for hit in hits if hit.product_id == product_id), Hit(product_id, 1.0))
        return [named, *(hit for hit in hits if hit.product_id != product_id)][: len(hits) or 1]

    def _allowed_rows(self, constraints: Constraints | None) -> BoolMask | None:
        """Row mask of the products satisfying ``constraints``; None when nothing filters."""
        if constraints is None or not _filters(constraints):
            return None
        used = self._slots.capacity
        price = self._price[:used]
        mask = self._live[:used].copy()
        if constraints.max_price_minor is not None:
            mask &= price <= constraints.max_price_minor
        if constraints.min_price_minor is not None:
            mask &= price >= constraints.min_price_minor
        if constraints.member_deals:
            member = self._member_price[:used]
            mask &= (member != _NO_CODE) & (member < price)
        if constraints.in_stock:
            mask &= self._available[:used] > 0
        if constraints.brands:
            mask &= np.isin(self._brand[:used], self._brand_codes_of(constraints.brands))
        if constraints.categories:
            mask &= np.isin(self._category[:used], self._category_codes_of(constraints.categories))
        for key, values in constraints.options.items():
            if values:
                mask &= self._option_mask(key, values, used)
        return mask

    def _brand_codes_of(self, brands: Iterable[str]) -> list[int]:
        wanted = {_folded(brand) for brand in brands}
        return [code for key, code in self._brand_codes.items() if key in wanted]

    def _category_codes_of(self, paths: Iterable[str]) -> list[int]:
        wanted = [key for key in map(_path_key, paths) if key]
        return [
            code
            for key, code in self._category_codes.items()
            if any(key == path or key.startswith(path + "/") for path in wanted)
        ]

    def _option_mask(self, key: str, values: Iterable[str], used: int) -> BoolMask:
        comparable = option_key(key)
        mask = np.zeros(used, dtype=np.bool_)
        for value in values:
            rows = self._option_rows.get((comparable, _folded(value)))
            if rows is not None:
                mask[rows.array()] = True
        return mask

    def _browse(self, allowed: BoolMask | None, limit: int) -> list[Hit]:
        used = self._slots.capacity
        rows = np.flatnonzero(self._live[:used] if allowed is None else allowed)
        out_of_stock = self._available[rows] <= 0
        order = np.lexsort((rows, self._price[rows], out_of_stock))[: max(limit, 0)]
        return [Hit(self._slots.id_at(int(rows[i])), 0.0) for i in order]

    def _remember(self, doc: ProductDocument) -> None:
        slot, _ = self._slots.assign(doc.product_id)
        self._grow(slot + 1)
        self._docs[doc.product_id] = doc
        for sku in doc.skus:
            self._identifiers[_identifier(sku)] = doc.product_id
        self._live[slot] = True
        self._set_facts(slot, doc)
        self._brand[slot] = self._code(self._brand_codes, _folded(doc.brand))
        self._category[slot] = self._code(self._category_codes, _path_key(doc.category_path))
        self._bm25_slot[slot] = _indexed(self._bm25.slot_of(doc.product_id))
        self._dense_slot[slot] = _indexed(self._dense.slot_of(doc.product_id))
        for key, value in _option_pairs(doc.options):
            comparable = (option_key(key), _folded(value))
            rows = self._option_rows.get(comparable)
            if rows is None:
                rows = self._option_rows[comparable] = _Rows()
            rows.add(slot)
            self._option_counts[(key, value)] += 1
        if doc.brand:
            self._brand_counts[doc.brand] += 1
        if doc.category_path:
            self._category_counts[doc.category_path] += 1
            self._category_names[doc.category_path] = doc.category_names

    def _forget(self, product_id: str) -> bool:
        doc = self._docs.pop(product_id, None)
        slot = self._slots.release(product_id)
        if doc is None or slot is None:
            return False
        self._live[slot] = False
        for sku in doc.skus:
            if self._identifiers.get(_identifier(sku)) == product_id:
                del self._identifiers[_identifier(sku)]
        for key, value in _option_pairs(doc.options):
            self._option_rows[(option_key(key), _folded(value))].discard(slot)
            _decrement(self._option_counts, (key, value))
        if doc.brand:
            _decrement(self._brand_counts, doc.brand)
        if doc.category_path:
            _decrement(self._category_counts, doc.category_path)
            if doc.category_path not in self._category_counts:
                del self._category_names[doc.category_path]
        return True

    def _set_facts(self, slot: int, doc: ProductDocument) -> None:
        self._price[slot] = doc.min_price_minor
        member = doc.min_member_price_minor
        self._member_price[slot] = _NO_CODE if member is None else member
        self._available[slot] = doc.available

    def _grow(self, length: int) -> None:
        self._live = with_length(self._live, length, False)
        self._price = with_length(self._price, length, 0)
        self._member_price = with_length(self._member_price, length, _NO_CODE)
        self._available = with_length(self._available, length, 0)
        self._brand = with_length(self._brand, length, _NO_CODE)
        self._category = with_length(self._category, length, _NO_CODE)
        self._bm25_slot = with_length(self._bm25_slot, length, 0)
        self._dense_slot = with_length(self._dense_slot, length, 0)

    @staticmethod
    def _code(codes: dict[str, int], key: str) -> int:
        return codes.setdefault(key, len(codes)) if key else _NO_CODE


def _identifier(text: str) -> str:
    """A SKU or query compared without case, spaces or separators ("brw-k17" = "BRW K17")."""
    return "".join(normalise(text).split())


def _filters(constraints: Constraints) -> bool:
    """Whether ``constraints`` ask for anything this index evaluates (not ``deliver_by``)."""
    return bool(
        constraints.max_price_minor is not None
        or constraints.min_price_minor is not None
        or constraints.brands
        or constraints.categories
        or any(constraints.options.values())
        or constraints.in_stock
        or constraints.member_deals
    )


def _option_pairs(options: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    return [(key, value) for key, values in options.items() for value in dict.fromkeys(values)]


def _decrement(counts: Counter[_Key], key: _Key) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]


def _indexed(slot: int | None) -> int:
    if slot is None:
        raise RuntimeError("a retriever lost a product it was just given")
    return slot


def _rows_in(
    allowed: BoolMask | None, slot_map: npt.NDArray[np.int64], capacity: int
) -> BoolMask | None:
    """``allowed`` (rows of the product index) as a mask over the rows of a retriever."""
    if allowed is None:
        return None
    mask = np.zeros(capacity, dtype=np.bool_)
    mask[slot_map[np.flatnonzero(allowed)]] = True
    return mask


def _fused(
    keyword: list[tuple[str, float]], meaning: list[tuple[str, float]], limit: int
) -> list[Hit]:
    keyword_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(keyword, 1)}
    meaning_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(meaning, 1)}
    fused = reciprocal_rank_fusion([list(keyword_rank), list(meaning_rank)])
    return [
        Hit(doc_id, score, bm25_rank=keyword_rank.get(doc_id), dense_rank=meaning_rank.get(doc_id))
        for doc_id, score in fused[: max(limit, 0)]
    ]
