"""A short-lived, bounded, in-process cache of serialised product pages.

Product pages are read far more often than they change. Each process keeps the JSON it served for
``read_cache_seconds`` (setting ``catalog.read_cache_seconds``; 0 disables), evicts the least
recently used page beyond ``read_cache_entries``, and drops a page at once when this process
publishes a catalog change about it (product saved or archived, prices set, stock changed).
Other processes see a change within the TTL.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved, StockChanged
from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus

CacheKey = tuple[str, str]  # (product_id, lang)


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    expires_at: float
    variant_ids: tuple[str, ...]


def _now() -> float:
    return clock.now().timestamp()


class ProductPageCache:
    """Serialised product pages by (product_id, lang), with TTL, LRU bound and invalidation."""

    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self._product_of_variant: dict[str, str] = {}
        self._langs: set[str] = set()
        # Bumped by every invalidation: a read that started before one must not store its
        # (possibly stale) result afterwards.
        self.generation = 0

    @property
    def enabled(self) -> bool:
        """Whether pages are kept at all."""
        return self.ttl_seconds > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, product_id: str, lang: str) -> bytes | None:
        """The cached page, or None when absent or expired."""
        key = (product_id, lang)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= _now():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.body

    def put(
        self,
        product_id: str,
        lang: str,
        body: bytes,
        *,
        variant_ids: Iterable[str],
        generation: int,
    ) -> None:
        """Keep ``body`` unless disabled or something was invalidated since ``generation``."""
        if not self.enabled or generation != self.generation:
            return
        variants = tuple(variant_ids)
        self._langs.add(lang)
        self._entries[(product_id, lang)] = _Entry(body, _now() + self.ttl_seconds, variants)
        self._entries.move_to_end((product_id, lang))
        for variant_id in variants:
            self._product_of_variant[variant_id] = product_id
        while len(self._entries) > self.max_entries:
            (old_product, _lang), old = self._entries.popitem(last=False)
            for variant_id in old.variant_ids:
                if self._product_of_variant.get(variant_id) == old_product:
                    del self._product_of_variant[variant_id]

    def invalidate_product(self, product_id: str) -> None:
        """Forget every language of the product's page."""
        self.generation += 1
        for lang in self._langs:
            self._entries.pop((product_id, lang), None)

    def invalidate_variant(self, variant_id: str) -> None:
        """Forget the page of the product holding the variant (when cached)."""
        self.generation += 1
        product_id = self._product_of_variant.pop(variant_id, None)
        if product_id is not None:
            self.invalidate_product(product_id)

    def on_event(self, event: Event) -> None:
        """Bus handler: drop what a catalog change made stale."""
        if isinstance(event, ProductSaved | ProductArchived | PricesSet):
            self.invalidate_product(event.product_id)
        elif isinstance(event, StockChanged):
            self.invalidate_variant(event.variant_id)


_caches: WeakKeyDictionary[EventBus, ProductPageCache] = WeakKeyDictionary()


def cache_for(bus: EventBus, *, ttl_seconds: float, max_entries: int) -> ProductPageCache:
    """The cache of the application owning ``bus`` (one per bus), subscribed to its changes."""
    cache = _caches.get(bus)
    if cache is None:
        cache = ProductPageCache(ttl_seconds=ttl_seconds, max_entries=max_entries)
        for event_type in (ProductSaved, ProductArchived, PricesSet, StockChanged):
            bus.subscribe(event_type, cache.on_event)
        _caches[bus] = cache
    return cache
