"""Offers on SQLite and PostgreSQL: the one-statement reads, unknown or archived variants, and the
signing-key rotation as stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from handshake.accounts import service as accounts
from handshake.bootstrap import Container, build_container
from handshake.catalog import service as catalog
from handshake.catalog.delivery_promise import WarehouseOption, Zone
from handshake.catalog.models import ProductStatus
from handshake.kernel import clock
from handshake.linking.service import PartnerAccess
from handshake.offers import composition, service
from handshake.offers.composition import ShopperContext, VariantSnapshot
from handshake.offers.errors import OfferBatchTooLarge
from handshake.offers.events import OffersServed, SigningKeyRotated
from handshake.offers.key_rotation import signing_keyring
from handshake.offers.repository import OffersRepository
from handshake.offers.service import OfferPolicy, OfferRequest
from handshake.partners.kinds import PartnerKind
from tests.accounts_helpers import PASSWORD, policy_of
from tests.catalog_helpers import LYON_ZONES, PARIS_ZONES, import_ok, row
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LOW_SKU, MEMBER_GTIN, MEMBER_SKU, offer_catalog, variant_ids

ANONYMOUS = PartnerAccess(
    token_id="tok_1", client_id="cli_1", partner_id="ptn_1", partner_name="App",
    partner_kind=PartnerKind.SOCIAL, scopes=frozenset({"offers"}), grant_id=None,
    shopper_id=None, subject=None, touch_due=False, expires_at=FROZEN_START + timedelta(hours=1),
)  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def zones(specs: list[dict[str, Any]]) -> tuple[Zone, ...]:
    ordered = sorted(specs, key=lambda z: (z["country"], z["postal_prefix"]))
    return tuple(Zone(**spec) for spec in ordered)


async def variant_rows(container: Container, skus: list[str], gtins: list[str]) -> list[Any]:
    uow = container.read_uow()
    async with uow:
        return await uow.repo(OffersRepository).variant_rows(skus, gtins)


async def shopper_row(container: Container, shopper_id: str, now: datetime) -> Any:
    uow = container.read_uow()
    async with uow:
        return await uow.repo(OffersRepository).shopper_row(shopper_id, now=now)


async def offers_for(container: Container, *references: tuple[str, str]) -> service.OfferBatch:
    return await service.present_offers(
        uow=container.read_uow(), writer=container.uow(),
        policy=OfferPolicy.from_settings(container.settings), access=ANONYMOUS,
        request=OfferRequest(references=references, placement_id="feed"),
    )  # fmt: skip


async def test_a_variant_in_two_warehouses_gives_one_snapshot_with_both(
    container: Container,
) -> None:
    await offer_catalog(container)
    variant_id, product_id = await variant_ids(container, MEMBER_SKU)

    by_sku = await variant_rows(container, [MEMBER_SKU], [])
    by_both = await variant_rows(container, [MEMBER_SKU, "NOPE"], [MEMBER_GTIN])

    assert len(by_sku) == 4  # 2 warehouses x 2 zones each
    assert len(by_both) == 4
    weekdays = frozenset({0, 1, 2, 3, 4})
    assert composition.snapshots_from_rows(by_sku) == [
        VariantSnapshot(
            variant_id=variant_id, sku=MEMBER_SKU, gtin=MEMBER_GTIN, product_id=product_id,
            title_en="Thermo X1 smart thermostat", title_fr="Thermostat connecté Thermo X1",
            image="/static/catalog/demo/thermo-x1.svg", currency="EUR",
            list_price_minor=12999, member_price_minor=11999, is_active=True,
            warehouses=(
                WarehouseOption("LYS1", 0, "Europe/Paris", time(14, 0), weekdays | {5},
                                zones(LYON_ZONES)),
                WarehouseOption("PAR1", 12, "Europe/Paris", time(16, 0), weekdays,
                                zones(PARIS_ZONES)),
            ),
        )
    ]  # fmt: skip
    assert composition.snapshots_from_rows(by_both) == composition.snapshots_from_rows(by_sku)


async def test_several_variants_come_back_in_one_read(container: Container) -> None:
    await offer_catalog(container)

    rows = await variant_rows(container, [LOW_SKU], [MEMBER_GTIN])

    snapshots = {s.sku: s for s in composition.snapshots_from_rows(rows)}
    assert sorted(snapshots) == [LOW_SKU, MEMBER_SKU]
    assert [(w.code, w.available) for w in snapshots[LOW_SKU].warehouses] == [("PAR1", 3)]


async def test_unknown_references_give_no_rows(container: Container) -> None:
    await offer_catalog(container)

    assert await variant_rows(container, ["NOPE-1"], ["96385074"]) == []
    assert await variant_rows(container, [], []) == []


async def test_a_variant_without_stock_rows_has_no_warehouse(container: Container) -> None:
    await offer_catalog(container)
    await import_ok(container, [row(handle="bare", sku="BARE-1", gtin=None, stock={})])

    [snapshot] = composition.snapshots_from_rows(await variant_rows(container, ["BARE-1"], []))

    assert (snapshot.sku, snapshot.warehouses, snapshot.available) == ("BARE-1", (), 0)


async def test_an_archived_product_is_not_offered(container: Container) -> None:
    await offer_catalog(container)
    _, product_id = await variant_ids(container, MEMBER_SKU)
    served: list[OffersServed] = []
    container.bus.subscribe(OffersServed, served.append)
    before = await offers_for(container, ("sku", MEMBER_SKU))
    assert before.items[0].offer is not None

    await catalog.set_product_status(
        uow=container.uow(), product_id=product_id, status=ProductStatus.ARCHIVED
    )
    after = await offers_for(container, ("sku", MEMBER_SKU), ("gtin", MEMBER_GTIN))

    assert [(i.offer, i.error_code) for i in after.items] == [
        (None, "variant_not_found"), (None, "variant_not_found"),
    ]  # fmt: skip
    assert (after.linked, after.link_account_url is not None) == (False, True)
    assert served[-1].unknown_references == (MEMBER_SKU, MEMBER_GTIN)
    assert served[-1].variant_ids == ()
    raw = await variant_rows(container, [MEMBER_SKU], [])
    assert {r.status for r in raw} == {ProductStatus.ARCHIVED}


@pytest.mark.parametrize("count", [0, 51])
async def test_the_service_refuses_an_empty_or_oversized_batch(
    container: Container, count: int
) -> None:
    await offer_catalog(container)
    served: list[OffersServed] = []
    container.bus.subscribe(OffersServed, served.append)

    with pytest.raises(OfferBatchTooLarge) as caught:
        await offers_for(container, *[("sku", MEMBER_SKU)] * count)

    assert (caught.value.code, caught.value.extra) == ("offer_batch_too_large", {"max_items": 50})
    assert served == []


async def _shopper(container: Container, email: str) -> str:
    shopper = await accounts.sign_up(
        uow=container.uow(), email=email, password=PASSWORD, name="Row Shopper",
        password_policy=policy_of(container),
    )  # fmt: skip
    return shopper.id


async def _card(container: Container, shopper_id: str, month: int, year: int) -> None:
    await accounts.add_payment_method(
        uow=container.uow(), shopper_id=shopper_id, provider="sandbox", token=f"tok_{month}",
        brand="visa", last4="4242", exp_month=month, exp_year=year,
    )  # fmt: skip


async def test_the_shopper_row_has_membership_default_address_and_usable_cards(
    container: Container,
) -> None:
    shopper_id = await _shopper(container, "row@example.com")
    await accounts.set_membership(uow=container.uow(), shopper_id=shopper_id)
    for postal, default in (("75011", False), ("69001", True)):
        await accounts.add_address(
            uow=container.uow(), shopper_id=shopper_id, line1="1 rue Neuve", city="Ville",
            postal_code=postal, country="FR", is_default=default,
        )  # fmt: skip
    await _card(container, shopper_id, 3, 2029)  # expires at the end of this month
    await _card(container, shopper_id, 12, 2035)

    found = await shopper_row(container, shopper_id, FROZEN_START)
    next_month = await shopper_row(container, shopper_id, datetime(2029, 4, 1, tzinfo=UTC))

    assert (found.id, found.erased_at, found.starts_at, found.ends_at) == (
        shopper_id, None, FROZEN_START, None,
    )  # fmt: skip
    assert (found.postal_code, found.country, found.usable_cards) == ("69001", "FR", 2)
    assert next_month.usable_cards == 1
    assert composition.context_from_row(shopper_id, found, now=FROZEN_START) == ShopperContext(
        shopper_id, True, "69001", "FR", True
    )


async def test_a_bare_unknown_or_erased_shopper(container: Container) -> None:
    bare = await _shopper(container, "bare@example.com")
    erased = await _shopper(container, "erased@example.com")
    await accounts.add_address(
        uow=container.uow(), shopper_id=erased, line1="1 rue Neuve", city="Paris",
        postal_code="75011", country="FR",
    )  # fmt: skip
    await accounts.erase_shopper(uow=container.uow(), shopper_id=erased, erasers={})

    bare_row = await shopper_row(container, bare, FROZEN_START)
    erased_row = await shopper_row(container, erased, FROZEN_START)

    assert (bare_row.starts_at, bare_row.postal_code, bare_row.usable_cards) == (None, None, 0)
    assert await shopper_row(container, "shp_unknown", FROZEN_START) is None
    assert erased_row.erased_at == FROZEN_START
    assert erased_row.postal_code is None
    assert composition.context_from_row(erased, erased_row, now=FROZEN_START) == ShopperContext(
        erased, False, None, None, False
    )


async def test_rotation_retires_the_previous_key_for_the_token_ttl_plus_refresh(
    container: Container,
) -> None:
    policy = OfferPolicy.from_settings(container.settings)
    rotations: list[SigningKeyRotated] = []
    container.bus.subscribe(SigningKeyRotated, rotations.append)
    first = await service.rotate_signing_key(uow=container.uow(), policy=policy)
    clock.advance(timedelta(minutes=5))
    rotated_at = clock.now()

    second = await service.rotate_signing_key(uow=container.uow(), policy=policy)

    assert (first.retired_kids, second.retired_kids) == ([], [first.kid])
    assert [(r.kid, r.retired_kids) for r in rotations] == [
        (first.kid, ()), (second.kid, (first.kid,)),
    ]  # fmt: skip
    old, new = await service.list_signing_keys(uow=container.read_uow())
    assert (old.kid, new.kid) == (first.kid, second.kid)
    assert (old.created_at, old.retired_at) == (FROZEN_START, rotated_at)
    assert old.expires_at == rotated_at + timedelta(seconds=600 + 60)
    assert (new.created_at, new.retired_at, new.expires_at) == (rotated_at, None, None)
    views = await service.signing_key_views(uow=container.read_uow())
    assert [(v.kid, v.created_at, v.retired_at, v.expires_at, v.state) for v in views] == [
        (first.kid, "2029-03-01 09:00:00", "2029-03-01 09:05:00", "2029-03-01 09:16:00",
         "verifying"),
        (second.kid, "2029-03-01 09:05:00", "", "", "signing"),
    ]  # fmt: skip


async def test_key_states_move_from_verifying_to_expired(container: Container) -> None:
    policy = OfferPolicy.from_settings(container.settings)
    first = await service.rotate_signing_key(uow=container.uow(), policy=policy)
    second = await service.rotate_signing_key(uow=container.uow(), policy=policy)
    clock.advance(policy.key_verify_margin)

    third = await service.rotate_signing_key(uow=container.uow(), policy=policy)

    assert third.retired_kids == [second.kid]  # the expired key is not retired again
    views = await service.signing_key_views(uow=container.read_uow())
    assert [(v.kid, v.state) for v in views] == [
        (first.kid, "expired"), (second.kid, "verifying"), (third.kid, "signing"),
    ]  # fmt: skip
    jwks = await service.public_jwks(uow=container.read_uow(), policy=policy)
    assert [key["kid"] for key in jwks["keys"]] == [second.kid, third.kid]


async def test_a_changed_secret_makes_a_new_signing_key_and_old_tokens_still_verify(
    container: Container,
) -> None:
    policy = OfferPolicy.from_settings(container.settings)
    first = await service.rotate_signing_key(uow=container.uow(), policy=policy)
    security = container.settings.security.model_copy(
        update={"secret_key": SecretStr("a-brand-new-secret-key-0123456789abcdef")}
    )
    settings = container.settings.model_copy(update={"security": security})
    moved = build_container(settings, null_pool=True)
    try:
        moved_policy = OfferPolicy.from_settings(settings)
        keyring = await signing_keyring(
            uow=moved.read_uow(), writer=moved.uow(), policy=moved_policy
        )
    finally:
        await moved.dispose()

    assert keyring.signer_kid not in (None, first.kid)
    assert sorted(keyring.verifiers) == sorted([first.kid, str(keyring.signer_kid)])
    views = await service.signing_key_views(uow=container.read_uow())
    assert [(v.kid, v.state) for v in views] == [
        (first.kid, "verifying"), (keyring.signer_kid, "signing"),
    ]  # fmt: skip
