"""The in-process caches behind offers: variant and shopper TTL caches, and the access cache."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from handshake.accounts.events import MembershipChanged, ShopperErased
from handshake.catalog.events import PricesSet, ProductArchived, ProductSaved, StockChanged
from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus
from handshake.linking.access_cache import AccessCache, cache_for
from handshake.linking.events import LinkRevoked, TokenFamilyRevoked
from handshake.linking.token_ledger import PartnerAccess
from handshake.offers.composition import ShopperContext
from handshake.offers.read_cache import MISSING, TtlCache, caches_for
from handshake.partners.events import ClientRevoked, PartnerSuspended
from handshake.partners.kinds import PartnerKind

T0 = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0.timestamp()
CONTEXT = ShopperContext("shp_1", True, "75011", "FR", True)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(T0):
        yield


def access(token_id: str = "tok_1", *, touch_due: bool = True) -> PartnerAccess:
    return PartnerAccess(
        token_id=token_id, client_id="cli_1", partner_id="ptn_1", partner_name="App",
        partner_kind=PartnerKind.SOCIAL, scopes=frozenset({"offers"}), grant_id="lnk_1",
        shopper_id="shp_1", subject="sub_1", touch_due=touch_due,
        expires_at=T0 + timedelta(hours=1),
    )  # fmt: skip


# --- TtlCache ------------------------------------------------------------------------------


def test_an_entry_lives_exactly_its_ttl() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=1.0, max_entries=10)

    cache.put("a", 1, now=NOW, generation=cache.generation)

    assert cache.get("a", NOW + 0.999) == 1
    assert cache.get("a", NOW + 1.0) is MISSING
    assert cache.get("b", NOW) is MISSING


def test_none_is_remembered_as_a_value() -> None:
    cache: TtlCache[tuple[str, str], None] = TtlCache(ttl_seconds=1.0, max_entries=10)

    cache.put(("sku", "NOPE"), None, now=NOW, generation=cache.generation)

    assert cache.get(("sku", "NOPE"), NOW) is None


def test_a_zero_ttl_stores_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=0, max_entries=10)

    cache.put("a", 1, now=NOW, generation=cache.generation)

    assert cache.get("a", NOW) is MISSING


def test_a_read_started_before_an_invalidation_is_not_stored() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=1.0, max_entries=10)
    generation = cache.generation

    cache.drop("unrelated")
    cache.put("a", 1, now=NOW, generation=generation)

    assert cache.get("a", NOW) is MISSING


def test_drop_forgets_one_entry_and_clear_every_entry() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=1.0, max_entries=10)
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(key, value, now=NOW, generation=cache.generation)

    cache.drop("a")
    assert [cache.get(k, NOW) for k in "abc"] == [MISSING, 2, 3]
    cache.clear()
    assert [cache.get(k, NOW) for k in "abc"] == [MISSING, MISSING, MISSING]


def test_the_least_recently_stored_entry_goes_first() -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=1.0, max_entries=2)
    cache.put("a", 1, now=NOW, generation=cache.generation)
    cache.put("b", 2, now=NOW, generation=cache.generation)
    cache.put("a", 10, now=NOW, generation=cache.generation)

    cache.put("c", 3, now=NOW, generation=cache.generation)

    assert [cache.get(k, NOW) for k in "abc"] == [10, MISSING, 3]


# --- caches_for: one set per bus, invalidated by events ------------------------------------


def test_caches_are_per_bus_and_their_ttl_is_at_most_one_second() -> None:
    bus = EventBus()

    caches = caches_for(bus, ttl_seconds=5.0, max_entries=10)

    assert caches_for(bus, ttl_seconds=0.2, max_entries=3) is caches
    assert (caches.variants.ttl_seconds, caches.shoppers.ttl_seconds) == (1.0, 1.0)
    assert caches_for(EventBus(), ttl_seconds=-1, max_entries=10).variants.ttl_seconds == 0.0
    assert caches_for(EventBus(), ttl_seconds=0.25, max_entries=10).variants.ttl_seconds == 0.25


@pytest.mark.parametrize(
    "event",
    [
        ProductSaved(product_id="prd_1", handle="x1"),
        ProductArchived(product_id="prd_1"),
        PricesSet(product_id="prd_1", variant_id="var_9"),
        StockChanged(variant_id="var_9", warehouse_code="PAR1", on_hand=1, available=1),
    ],
    ids=["saved", "archived", "prices", "stock"],
)
async def test_any_catalog_change_drops_every_variant_but_no_shopper(event: Event) -> None:
    bus = EventBus()
    caches = caches_for(bus, ttl_seconds=1.0, max_entries=10)
    caches.variants.put(("sku", "A"), None, now=NOW, generation=caches.variants.generation)
    caches.shoppers.put("shp_1", CONTEXT, now=NOW, generation=caches.shoppers.generation)

    await bus.publish(event)

    assert caches.variants.get(("sku", "A"), NOW) is MISSING
    assert caches.shoppers.get("shp_1", NOW) == CONTEXT


@pytest.mark.parametrize(
    "event",
    [
        MembershipChanged(shopper_id="shp_1", starts_at=T0, ends_at=None),
        ShopperErased(shopper_id="shp_1", erased_at=T0),
    ],
    ids=["membership", "erased"],
)
async def test_a_shopper_change_drops_only_that_shopper(event: Event) -> None:
    bus = EventBus()
    caches = caches_for(bus, ttl_seconds=1.0, max_entries=10)
    other = dataclasses.replace(CONTEXT, shopper_id="shp_2")
    for context in (CONTEXT, other):
        caches.shoppers.put(
            context.shopper_id, context, now=NOW, generation=caches.shoppers.generation
        )
    caches.variants.put(("sku", "A"), None, now=NOW, generation=caches.variants.generation)

    await bus.publish(event)

    assert caches.shoppers.get("shp_1", NOW) is MISSING
    assert caches.shoppers.get("shp_2", NOW) == other
    assert caches.variants.get(("sku", "A"), NOW) is None


# --- AccessCache ---------------------------------------------------------------------------


def test_an_admitted_access_is_reused_for_at_most_one_second() -> None:
    cache = AccessCache(ttl_seconds=30.0)
    assert cache.ttl_seconds == 1.0

    cache.put("digest-1", access(), generation=cache.generation)

    assert cache.get("digest-1") == access()
    clock.advance(timedelta(milliseconds=999))
    assert cache.get("digest-1") == access()
    clock.advance(timedelta(milliseconds=1))
    assert cache.get("digest-1") is None


def test_a_disabled_cache_or_a_stale_generation_stores_nothing() -> None:
    disabled = AccessCache(ttl_seconds=0)
    disabled.put("digest-1", access(), generation=disabled.generation)
    cache = AccessCache()
    generation = cache.generation
    cache.clear()

    cache.put("digest-1", access(), generation=generation)

    assert disabled.get("digest-1") is None
    assert cache.get("digest-1") is None


def test_marking_touched_keeps_the_entry_and_its_expiry() -> None:
    cache = AccessCache()
    cache.put("digest-1", access(), generation=cache.generation)
    clock.advance(timedelta(milliseconds=500))

    cache.mark_touched("tok_1")
    cache.mark_touched("tok_unknown")

    assert cache.get("digest-1") == access(touch_due=False)
    clock.advance(timedelta(milliseconds=500))
    assert cache.get("digest-1") is None


def test_the_oldest_access_goes_first_when_full() -> None:
    cache = AccessCache(max_entries=2)
    for n in (1, 2, 3):
        cache.put(f"digest-{n}", access(f"tok_{n}"), generation=cache.generation)

    cache.mark_touched("tok_1")  # evicted: nothing to mark, nothing resurrected

    assert [cache.get(f"digest-{n}") for n in (1, 2, 3)] == [None, access("tok_2"), access("tok_3")]


@pytest.mark.parametrize(
    "event",
    [
        LinkRevoked(
            grant_id="lnk_9", shopper_id="shp_9", partner_id="ptn_9", revoked_by="shopper",
            reason="unlinked",
        ),
        TokenFamilyRevoked(family_id="fam_9", partner_id="ptn_9", grant_id=None, reason="reuse"),
        PartnerSuspended(partner_id="ptn_9", reason="abuse", suspended_at=T0),
        ClientRevoked(partner_id="ptn_9", client_id="cli_9"),
    ],
    ids=["link", "family", "partner", "client"],
)  # fmt: skip
async def test_revocations_and_suspensions_drop_every_cached_access(event: Event) -> None:
    bus = EventBus()
    cache = cache_for(bus)
    assert cache_for(bus) is cache
    cache.put("digest-1", access(), generation=cache.generation)
    generation = cache.generation

    await bus.publish(event)

    assert cache.get("digest-1") is None
    assert cache.generation == generation + 1


async def test_other_events_leave_the_access_cache_alone() -> None:
    bus = EventBus()
    cache = cache_for(bus)
    cache.put("digest-1", access(), generation=cache.generation)

    await bus.publish(PricesSet(product_id="prd_1", variant_id="var_1"))
    await bus.publish(MembershipChanged(shopper_id="shp_1", starts_at=T0, ends_at=None))

    assert cache.get("digest-1") == access()
