"""The in-process product page cache: hits, TTL, LRU bound, invalidation by catalog events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved, StockChanged
from handshake.catalog.read_cache import ProductPageCache, cache_for
from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _cache(ttl: float = 2.0, entries: int = 100) -> ProductPageCache:
    return ProductPageCache(ttl_seconds=ttl, max_entries=entries)


def _put(cache: ProductPageCache, product_id: str, lang: str = "en", *variants: str) -> None:
    body = f"{product_id}/{lang}".encode()
    cache.put(product_id, lang, body, variant_ids=variants, generation=cache.generation)


def test_a_stored_page_is_served_by_product_and_language() -> None:
    cache = _cache()
    with clock.frozen_at(T0):
        _put(cache, "prd_1", "en", "var_1")
        assert cache.get("prd_1", "en") == b"prd_1/en"
        assert cache.get("prd_1", "fr") is None
        assert cache.get("prd_2", "en") is None


def test_a_page_expires_after_the_ttl() -> None:
    cache = _cache(ttl=2.0)
    with clock.frozen_at(T0):
        _put(cache, "prd_1")
        clock.advance(timedelta(seconds=1.999))
        assert cache.get("prd_1", "en") == b"prd_1/en"
        clock.advance(timedelta(seconds=0.001))
        assert cache.get("prd_1", "en") is None
        assert len(cache) == 0


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = _cache(ttl=0)
    with clock.frozen_at(T0):
        _put(cache, "prd_1")
        assert not cache.enabled
        assert cache.get("prd_1", "en") is None
        assert len(cache) == 0


def test_the_least_recently_used_page_goes_beyond_the_bound() -> None:
    cache = _cache(entries=2)
    with clock.frozen_at(T0):
        _put(cache, "prd_1", "en", "var_1")
        _put(cache, "prd_2", "en", "var_2")
        assert cache.get("prd_1", "en") is not None  # prd_1 is now the most recent
        _put(cache, "prd_3", "en", "var_3")
        assert cache.get("prd_2", "en") is None
        assert cache.get("prd_1", "en") == b"prd_1/en"
        assert cache.get("prd_3", "en") == b"prd_3/en"
        assert len(cache) == 2


def test_a_read_that_started_before_an_invalidation_is_not_stored() -> None:
    cache = _cache()
    with clock.frozen_at(T0):
        started = cache.generation
        cache.invalidate_product("prd_1")  # a change committed while the read was in flight
        cache.put("prd_1", "en", b"stale", variant_ids=("var_1",), generation=started)
        assert cache.get("prd_1", "en") is None


@pytest.mark.parametrize(
    "event",
    [
        ProductSaved(product_id="prd_1", handle="acme"),
        ProductArchived(product_id="prd_1"),
        PricesSet(product_id="prd_1", variant_id="var_1b"),
        StockChanged(variant_id="var_1b", warehouse_code="PAR1", on_hand=3, available=3),
    ],
    ids=["product_saved", "product_archived", "prices_set", "stock_changed"],
)
async def test_each_catalog_change_drops_the_product_in_every_language(event: Event) -> None:
    bus = EventBus()
    cache = cache_for(bus, ttl_seconds=60, max_entries=10)
    with clock.frozen_at(T0):
        _put(cache, "prd_1", "en", "var_1a", "var_1b")
        _put(cache, "prd_1", "fr", "var_1a", "var_1b")
        _put(cache, "prd_2", "en", "var_2")
        await bus.publish(event)
        assert cache.get("prd_1", "en") is None
        assert cache.get("prd_1", "fr") is None
        assert cache.get("prd_2", "en") == b"prd_2/en"


async def test_stock_of_an_uncached_variant_leaves_cached_pages_alone() -> None:
    bus = EventBus()
    cache = cache_for(bus, ttl_seconds=60, max_entries=10)
    with clock.frozen_at(T0):
        _put(cache, "prd_1", "en", "var_1")
        await bus.publish(
            StockChanged(variant_id="var_9", warehouse_code="PAR1", on_hand=1, available=1)
        )
        assert cache.get("prd_1", "en") == b"prd_1/en"


def test_one_cache_per_bus() -> None:
    bus, other = EventBus(), EventBus()
    first = cache_for(bus, ttl_seconds=2, max_entries=10)
    assert cache_for(bus, ttl_seconds=2, max_entries=10) is first
    assert cache_for(other, ttl_seconds=2, max_entries=10) is not first
