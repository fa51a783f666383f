"""Offer tokens end to end: verification as checkout does it, expiry, key rotation, the JWKS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import KeySet

from handshake.bootstrap import Container, build_container
from handshake.kernel import clock
from handshake.offers import service
from handshake.offers.errors import (
    OfferTokenExpired,
    OfferTokenInvalid,
    OfferTokenWrongPartner,
    OfferTokenWrongShopper,
)
from handshake.offers.key_rotation import signing_keyring
from handshake.offers.service import OfferPolicy
from handshake.offers.tokens import sign_offer
from tests.linking_helpers import FROZEN_START, row_count
from tests.offers_helpers import (
    MEMBER_SKU,
    LinkedShopper,
    get_offers,
    jws_part,
    linked_shopper,
    offer_catalog,
    offer_of,
    verify_token,
)

TTL = timedelta(seconds=600)
KEY_MARGIN = timedelta(seconds=600 + 60)  # token TTL + keyring refresh


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def offer_token(
    client: httpx.AsyncClient, linked: LinkedShopper, placement: str = "feed"
) -> str:
    """The offer token of a call; a new ``placement`` makes sure it is freshly signed."""
    answer = await get_offers(client, linked.headers, sku=MEMBER_SKU, placement_id=placement)
    token: str = offer_of(answer.json())["offer_token"]
    return token


async def jwks(client: httpx.AsyncClient) -> dict[str, Any]:
    answer = await client.get("/.well-known/jwks.json")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/jwk-set+json"
    assert answer.headers["cache-control"] == "public, max-age=60"
    document: dict[str, Any] = answer.json()
    return document


async def rotate(container: Container) -> service.RotatedKey:
    policy = OfferPolicy.from_settings(container.settings)
    return await service.rotate_signing_key(uow=container.uow(), policy=policy)


async def test_the_first_offer_creates_the_first_signing_key(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    assert await jwks(client) == {"keys": []}

    token = await offer_token(client, linked)
    await offer_token(client, linked)

    assert await row_count(container, "offer_signing_keys") == 1
    [key] = (await jwks(client))["keys"]
    assert key["kid"] == jws_part(token, 0)["kid"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "Ed25519", "sig")
    assert "d" not in key


async def test_a_partner_verifies_an_offer_token_with_the_published_keys(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)
    token = await offer_token(client, linked)

    keys = KeySet.import_key_set(await jwks(client))  # type: ignore[arg-type]
    verified = jws.deserialize_compact(token, keys, algorithms=["Ed25519"])

    assert verified.headers()["typ"] == "offer+jws"
    assert jws_part(token, 1)["unit_price_minor"] == 11999


async def test_another_partner_or_shopper_cannot_use_the_token(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)
    other = await linked_shopper(app, container)
    token = await offer_token(client, linked)
    others_subject = jws_part(await offer_token(client, other), 1)["sub"]

    with pytest.raises(OfferTokenWrongPartner):
        await verify_token(container, token, other.app.partner_id)
    with pytest.raises(OfferTokenWrongShopper):
        await verify_token(container, token, linked.app.partner_id, subject=others_subject)
    claims = await verify_token(container, token, linked.app.partner_id)
    assert claims.subject != others_subject


async def test_the_token_subject_is_the_pairwise_sub_the_partner_already_knows(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, scope="profile offers checkout")
    subject = (await client.get("/partner/v1/shopper", headers=linked.headers)).json()["sub"]

    claims = await verify_token(container, await offer_token(client, linked), linked.app.partner_id)

    assert claims.subject == subject
    assert subject.startswith("sub_")


async def test_a_token_expires_after_its_ttl(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    token = await offer_token(client, linked)

    clock.advance(TTL - timedelta(seconds=1))
    claims = await verify_token(container, token, linked.app.partner_id)
    clock.advance(timedelta(seconds=1))

    assert claims.expires_at == FROZEN_START + TTL
    with pytest.raises(OfferTokenExpired) as caught:
        await verify_token(container, token, linked.app.partner_id)
    assert caught.value.code == "offer_token_expired"


async def test_a_tampered_token_is_refused_by_the_service(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    header, payload, signature = (await offer_token(client, linked)).split(".")
    _other_header, other_payload, _ = (await offer_token(client, linked, "story")).split(".")
    assert other_payload != payload

    with pytest.raises(OfferTokenInvalid):
        await verify_token(
            container, f"{header}.{other_payload}.{signature}", linked.app.partner_id
        )
    with pytest.raises(OfferTokenInvalid):
        await verify_token(container, "not.a.token", linked.app.partner_id)


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    old_token = await offer_token(client, linked)
    old_kid = jws_part(old_token, 0)["kid"]

    rotated = await rotate(container)

    assert rotated.retired_kids == [old_kid]
    assert rotated.kid != old_kid
    new_token = await offer_token(client, linked, "after-rotation")
    assert jws_part(new_token, 0)["kid"] == rotated.kid
    assert (await verify_token(container, old_token, linked.app.partner_id)).sku == MEMBER_SKU
    assert (await verify_token(container, new_token, linked.app.partner_id)).sku == MEMBER_SKU
    assert sorted(key["kid"] for key in (await jwks(client))["keys"]) == sorted(
        [old_kid, rotated.kid]
    )


async def test_a_retired_key_leaves_the_jwks_once_its_tokens_cannot_live(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    old_token = await offer_token(client, linked)
    rotated = await rotate(container)

    clock.advance(KEY_MARGIN - timedelta(seconds=1))
    assert len((await jwks(client))["keys"]) == 2
    clock.advance(timedelta(seconds=1))

    assert [key["kid"] for key in (await jwks(client))["keys"]] == [rotated.kid]
    with pytest.raises(OfferTokenInvalid):
        await verify_token(container, old_token, linked.app.partner_id)


@asynccontextmanager
async def another_process(container: Container) -> AsyncIterator[Container]:
    """A second container over the same database: its own bus, caches and keyring."""
    other = build_container(container.settings, null_pool=True)
    try:
        yield other
    finally:
        await other.dispose()


async def test_a_key_rotated_by_another_process_is_learnt_from_its_kid_or_the_refresh(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    first = await offer_token(client, linked)
    policy = OfferPolicy.from_settings(container.settings)
    async with another_process(container) as other:
        second = await rotate(other)
        keyring = await signing_keyring(uow=other.read_uow(), writer=other.uow(), policy=policy)
    claims = await verify_token(container, first, linked.app.partner_id)
    foreign = sign_offer(replace(claims, token_id="oft_elsewhere"), keyring)
    assert jws_part(foreign, 0)["kid"] == second.kid

    # This process loaded its keyring just now: it keeps signing with the first key, and an
    # unknown kid triggers at most one reload per second.
    still_first = await offer_token(client, linked, "still-first")
    assert jws_part(still_first, 0)["kid"] == jws_part(first, 0)["kid"]
    with pytest.raises(OfferTokenInvalid):
        await verify_token(container, foreign, linked.app.partner_id)
    clock.advance(timedelta(seconds=1))

    assert (await verify_token(container, foreign, linked.app.partner_id)).token_id == (
        "oft_elsewhere"
    )
    assert jws_part(await offer_token(client, linked, "reloaded"), 0)["kid"] == second.kid


async def test_without_an_unknown_kid_a_rotation_elsewhere_shows_after_the_refresh(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    first_kid = jws_part(await offer_token(client, linked), 0)["kid"]
    async with another_process(container) as other:
        second = await rotate(other)

    clock.advance(timedelta(seconds=59))
    assert jws_part(await offer_token(client, linked, "stale"), 0)["kid"] == first_kid
    clock.advance(timedelta(seconds=1))
    assert jws_part(await offer_token(client, linked, "refreshed"), 0)["kid"] == second.kid


async def test_the_advertised_expiry_is_the_tokens_expiry(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    with clock.frozen_at(FROZEN_START + timedelta(milliseconds=500)):
        linked = await linked_shopper(app, container)
        offer = offer_of((await get_offers(client, linked.headers, sku=MEMBER_SKU)).json())
        advertised = datetime.fromisoformat(offer["offer_token_expires_at"])
        clock.advance(advertised - clock.now() - timedelta(milliseconds=100))

        # A partner presenting the token before the advertised expiry must not be refused.
        claims = await verify_token(container, offer["offer_token"], linked.app.partner_id)

    assert claims.expires_at == advertised
