"""In-process caches of offers: variant snapshots, shopper contexts and answers, ≤ 1 s each.

Offers are asked for on every ad impression. A process may reuse a variant snapshot, a
shopper's context or a whole single-offer answer for ``offers.cache_seconds`` (at most one
second, so a price, stock or account change shows within a second everywhere). Catalog and
membership changes published on this process's bus drop the affected entries at once. A
generation counter keeps a read that started before an invalidation from storing its stale
result afterwards.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from handshake.accounts.events import MembershipChanged, ShopperErased
from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved, StockChanged
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus
from handshake.kernel.single_flight import SingleFlight
from handshake.offers.composition import ShopperContext, VariantSnapshot
from handshake.offers.policy import OfferPolicy
from handshake.offers.signing_keys import Keyring

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
MISSING = object()


class TtlCache(Generic[K, V]):
    """A bounded mapping whose entries live ``ttl_seconds`` (least recently stored go first)."""

    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self.generation = 0

    def get(self, key: K, now: float) -> V | object:
        """The cached value, or :data:`MISSING`."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        if entry[0] <= now:
            del self._entries[key]
            return MISSING
        return entry[1]

    def put(self, key: K, value: V, *, now: float, generation: int) -> None:
        """Keep ``value`` unless caching is off or something was invalidated meanwhile."""
        if self.ttl_seconds <= 0 or generation != self.generation:
            return
        self._entries[key] = (now + self.ttl_seconds, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def drop(self, key: K) -> None:
        """Forget one entry."""
        self.generation += 1
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        self.generation += 1
        self._entries.clear()


# Variant snapshots by ("sku" | "gtin", value); None remembers an unknown reference.
VariantKey = tuple[str, str]


@dataclass
class OfferCaches:
    """The caches of one application."""

    variants: TtlCache[VariantKey, VariantSnapshot | None]
    shoppers: TtlCache[str, ShopperContext | None]
    # Serialised single-offer answers by (access token id, query string), and those being made.
    responses: TtlCache[tuple[str, str], bytes]
    answering: SingleFlight[tuple[str, str], bytes] = field(default_factory=SingleFlight)
    keyring: Keyring | None = None
    # When each link last had an "offer viewed" entry written (kernel clock seconds).
    activity: dict[str, float] = field(default_factory=dict)

    def on_catalog_change(self, _event: Event) -> None:
        """Any catalog change may touch any reference (a new SKU, a price): drop them all."""
        self.variants.clear()
        self.responses.clear()

    def on_shopper_change(self, event: Event) -> None:
        """A membership changed or an account was erased: drop that shopper's context."""
        if isinstance(event, MembershipChanged | ShopperErased):
            self.shoppers.drop(event.shopper_id)
            self.responses.clear()  # answers are keyed by token, not shopper; changes are rare


_caches: WeakKeyDictionary[EventBus, OfferCaches] = WeakKeyDictionary()


def caches_for(bus: EventBus, *, ttl_seconds: float, max_entries: int) -> OfferCaches:
    """The caches of the application owning ``bus``, subscribed to the changes that stale them."""
    caches = _caches.get(bus)
    if caches is None:
        ttl = min(max(ttl_seconds, 0.0), 1.0)
        caches = OfferCaches(
            variants=TtlCache(ttl_seconds=ttl, max_entries=max_entries),
            shoppers=TtlCache(ttl_seconds=ttl, max_entries=max_entries),
            responses=TtlCache(ttl_seconds=ttl, max_entries=max_entries),
        )
        for catalog_event in (ProductSaved, ProductArchived, PricesSet, StockChanged):
            bus.subscribe(catalog_event, caches.on_catalog_change)
        for account_event in (MembershipChanged, ShopperErased):
            bus.subscribe(account_event, caches.on_shopper_change)
        _caches[bus] = caches
    return caches


def now_seconds() -> float:
    """The cache clock (the kernel clock, so tests can move it)."""
    return clock.now().timestamp()


def caches_of(uow: UnitOfWork, policy: OfferPolicy) -> OfferCaches:
    """The offer caches of the application ``uow`` belongs to, sized by ``policy``."""
    return caches_for(uow.bus, ttl_seconds=policy.cache_seconds, max_entries=policy.cache_entries)
