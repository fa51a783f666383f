"""Use cases of offers: live offers for partners, and offer-token verification for checkout.

``present_offers`` answers one batch: each reference (SKU or GTIN) becomes an offer or a
per-item ``variant_not_found``. A linked call (a shopper's token) gets the shopper's price,
availability, the promise to their default address, checkout readiness and a signed offer
token; an anonymous call (client credentials) gets list prices, a country estimate and a link
URL. Nothing personal is ever returned: the address only steers the promise server-side.

Signing keys: ``key_rotation`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from handshake.catalog.gtin import normalise_gtin
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.kernel.single_flight import SingleFlight
from handshake.linking import service as linking
from handshake.linking.service import PartnerAccess
from handshake.offers import composition
from handshake.offers.composition import Offer, ShopperContext, VariantSnapshot
from handshake.offers.errors import OfferBatchTooLarge
from handshake.offers.events import OffersServed
from handshake.offers.key_rotation import RotatedKey as RotatedKey
from handshake.offers.key_rotation import SigningKeyView as SigningKeyView
from handshake.offers.key_rotation import list_signing_keys as list_signing_keys
from handshake.offers.key_rotation import public_jwks as public_jwks
from handshake.offers.key_rotation import rotate_signing_key as rotate_signing_key
from handshake.offers.key_rotation import signing_key_views as signing_key_views
from handshake.offers.key_rotation import signing_keyring, verification_keyring
from handshake.offers.policy import OfferPolicy as OfferPolicy
from handshake.offers.read_cache import (
    MISSING,
    OfferCaches,
    TtlCache,
    VariantKey,
    caches_of,
    now_seconds,
)
from handshake.offers.repository import OffersRepository
from handshake.offers.signing_keys import Keyring
from handshake.offers.tokens import OfferClaims as OfferClaims
from handshake.offers.tokens import sign_offer, token_kid, verify_offer

MAX_BATCH = 50
LINK_SCOPES = "offers checkout"
# The audience of the store's own offer tokens (its shop site); partner ids never look like it.
STORE_AUDIENCE = "store"
STORE_PLACEMENT = "store"


@dataclass(frozen=True, slots=True)
class OfferRequest:
    """What a partner asks: references (``("sku", …)`` or ``("gtin", …)``) and where it shows."""

    references: tuple[VariantKey, ...]
    placement_id: str
    campaign_id: str | None = None
    creative_id: str | None = None
    country: str | None = None
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class OfferItem:
    """One reference answered: an offer (with its token when linked) or an error code."""

    reference: VariantKey
    offer: Offer | None
    token: str | None = None
    token_expires_at: datetime | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class OfferBatch:
    """The answer to one call."""

    linked: bool
    items: list[OfferItem]
    link_account_url: str | None


def answer_cache(uow: UnitOfWork, policy: OfferPolicy) -> TtlCache[tuple[str, str], bytes]:
    """Serialised single-offer answers by (access token id, query), kept ≤ 1 s."""
    return caches_of(uow, policy).responses


def answers_in_flight(uow: UnitOfWork, policy: OfferPolicy) -> SingleFlight[tuple[str, str], bytes]:
    """Single-offer answers being computed, shared by concurrent identical asks."""
    return caches_of(uow, policy).answering


def cache_clock() -> float:
    """The clock of the offer caches, in seconds."""
    return now_seconds()


def _lookup_key(reference: VariantKey) -> VariantKey | None:
    kind, value = reference
    if kind != "gtin":
        return reference
    try:
        return ("gtin", normalise_gtin(value))
    except ValueError:
        return None


async def _variant_snapshots(
    uow: UnitOfWork, caches: OfferCaches, keys: set[VariantKey]
) -> dict[VariantKey, VariantSnapshot | None]:
    now = now_seconds()
    found: dict[VariantKey, VariantSnapshot | None] = {}
    for key in keys:
        cached = caches.variants.get(key, now)
        if cached is not MISSING:
            found[key] = cached  # type: ignore[assignment]  # MISSING is the only non-value
    wanted = keys - found.keys()
    if not wanted:
        return found
    generation = caches.variants.generation
    async with uow:
        rows = await uow.repo(OffersRepository).variant_rows(
            [v for k, v in wanted if k == "sku"], [v for k, v in wanted if k == "gtin"]
        )
    for snapshot in composition.snapshots_from_rows(rows):
        for key in (("sku", snapshot.sku), ("gtin", snapshot.gtin or "")):
            if key in wanted:
                found[key] = snapshot if snapshot.is_active else None
    for key in wanted:
        found.setdefault(key, None)
        caches.variants.put(key, found[key], now=now, generation=generation)
    return found


async def _shopper_context(uow: UnitOfWork, caches: OfferCaches, shopper_id: str) -> ShopperContext:
    now = now_seconds()
    cached = caches.shoppers.get(shopper_id, now)
    if isinstance(cached, ShopperContext):
        return cached
    generation = caches.shoppers.generation
    moment = clock.now()
    async with uow:
        row = await uow.repo(OffersRepository).shopper_row(shopper_id, now=moment)
    context = composition.context_from_row(shopper_id, row, now=moment)
    caches.shoppers.put(shopper_id, context, now=now, generation=generation)
    return context


def _claims(
    offer: Offer, access: PartnerAccess, request: OfferRequest, policy: OfferPolicy, now: datetime
) -> OfferClaims:
    assert access.subject is not None  # linked calls only
    now = now.replace(microsecond=0)  # JWT times are whole seconds: say what the token says
    return OfferClaims(
        token_id=new_id("oft"), issuer=policy.issuer, partner_id=access.partner_id,
        subject=access.subject, variant_id=offer.variant.variant_id, sku=offer.variant.sku,
        unit_price_minor=offer.pricing.unit_price_minor, currency=offer.pricing.currency,
        member_price=offer.pricing.member_price_applied, placement_id=request.placement_id,
        campaign_id=request.campaign_id, creative_id=request.creative_id,
        issued_at=now, expires_at=now + policy.token_ttl,
    )  # fmt: skip


def _linked_item(
    reference: VariantKey,
    snapshot: VariantSnapshot,
    *,
    context: ShopperContext,
    access: PartnerAccess,
    request: OfferRequest,
    policy: OfferPolicy,
    keyring: Keyring,
    now: datetime,
) -> OfferItem:
    offer = composition.linked_offer(
        snapshot, context=context, scopes=access.scopes,
        country=request.country or context.country or policy.default_country,
        low_stock_threshold=policy.low_stock_threshold, now=now,
    )  # fmt: skip
    claims = _claims(offer, access, request, policy, now)
    return OfferItem(reference, offer, sign_offer(claims, keyring), claims.expires_at)


def _anonymous_item(
    reference: VariantKey, snapshot: VariantSnapshot, request: OfferRequest, policy: OfferPolicy
) -> OfferItem:
    offer = composition.anonymous_offer(
        snapshot,
        country=request.country or policy.default_country,
        low_stock_threshold=policy.low_stock_threshold,
        now=clock.now(),
    )
    return OfferItem(reference, offer)


def link_account_url(policy: OfferPolicy, access: PartnerAccess) -> str:
    """Where the partner sends a shopper to link (it adds redirect_uri, state and PKCE)."""
    query = urlencode(
        {"response_type": "code", "client_id": access.client_id, "scope": LINK_SCOPES}
    )
    return f"{policy.issuer}/oauth/authorize?{query}"


async def _note_activity(
    writer: UnitOfWork,
    caches: OfferCaches,
    policy: OfferPolicy,
    access: PartnerAccess,
    request: OfferRequest,
) -> None:
    # The link's history says which app showed offers, not every impression: at most one
    # entry per link per interval (per process), so the hot path rarely writes.
    grant_id, now = access.grant_id, now_seconds()
    if grant_id is None:
        return
    last = caches.activity.get(grant_id)
    if last is not None and now - last < policy.activity_interval_seconds:
        return
    if len(caches.activity) >= policy.cache_entries:
        caches.activity.clear()
    caches.activity[grant_id] = now
    detail = {"placement_id": request.placement_id, "campaign_id": request.campaign_id}
    await linking.record_link_activity(
        uow=writer, grant_id=grant_id, kind="offer_viewed", detail=detail
    )


async def _items(
    uow: UnitOfWork,
    writer: UnitOfWork,
    policy: OfferPolicy,
    access: PartnerAccess,
    request: OfferRequest,
) -> list[OfferItem]:
    caches = caches_of(uow, policy)
    keys = [_lookup_key(ref) for ref in request.references]
    snapshots = await _variant_snapshots(uow, caches, {key for key in keys if key})
    found = [snapshots.get(key) if key else None for key in keys]
    if access.shopper_id is None:
        return [
            _anonymous_item(ref, snap, request, policy)
            if snap
            else OfferItem(ref, None, error_code="variant_not_found")
            for ref, snap in zip(request.references, found, strict=True)
        ]
    context = await _shopper_context(uow, caches, access.shopper_id)
    keyring = await signing_keyring(uow=uow, writer=writer, policy=policy)
    now = clock.now()
    return [
        _linked_item(
            ref,
            snap,
            context=context,
            access=access,
            request=request,
            policy=policy,
            keyring=keyring,
            now=now,
        )
        if snap
        else OfferItem(ref, None, error_code="variant_not_found")
        for ref, snap in zip(request.references, found, strict=True)
    ]


async def present_offers(
    *,
    uow: UnitOfWork,
    writer: UnitOfWork,
    policy: OfferPolicy,
    access: PartnerAccess,
    request: OfferRequest,
) -> OfferBatch:
    """Offers for up to 50 references: personal for a linked shopper, generic otherwise."""
    if not 1 <= len(request.references) <= MAX_BATCH:
        raise OfferBatchTooLarge(
            f"Ask for 1 to {MAX_BATCH} variants per call.", extra={"max_items": MAX_BATCH}
        )
    items = await _items(uow, writer, policy, access, request)
    linked = access.shopper_id is not None
    if linked:
        await _note_activity(writer, caches_of(uow, policy), policy, access, request)
    await uow.bus.publish(
        OffersServed(
            partner_id=access.partner_id,
            grant_id=access.grant_id,
            linked=linked,
            placement_id=request.placement_id,
            campaign_id=request.campaign_id,
            creative_id=request.creative_id,
            variant_ids=tuple(i.offer.variant.variant_id for i in items if i.offer),
            unknown_references=tuple(i.reference[1] for i in items if i.offer is None),
        )
    )
    url = None if linked else link_account_url(policy, access)
    return OfferBatch(linked=linked, items=items, link_account_url=url)


async def current_variants(*, uow: UnitOfWork, skus: Sequence[str]) -> dict[str, VariantSnapshot]:
    """Fresh snapshots (never cached) of the active variants with these SKUs, by SKU.

    Checkout re-prices from them: a purchase must see the price and stock of this instant.
    """
    async with uow:
        rows = await uow.repo(OffersRepository).variant_rows(list(skus), [])
    return {
        snapshot.sku: snapshot
        for snapshot in composition.snapshots_from_rows(rows)
        if snapshot.is_active and snapshot.sku in skus
    }


async def store_offers(
    *,
    uow: UnitOfWork,
    policy: OfferPolicy,
    shopper_id: str | None,
    skus: Sequence[str],
) -> dict[str, Offer]:
    """Offers of the store itself, by SKU: the signed-in shopper's, or anyone's without one.

    The store's own assistant and pages show them; checkout still goes through offer tokens.
    """
    if not 1 <= len(skus) <= MAX_BATCH:
        raise OfferBatchTooLarge(
            f"Ask for 1 to {MAX_BATCH} variants per call.", extra={"max_items": MAX_BATCH}
        )
    caches = caches_of(uow, policy)
    snapshots = await _variant_snapshots(uow, caches, {("sku", sku) for sku in skus})
    now = clock.now()
    context = None if shopper_id is None else await _shopper_context(uow, caches, shopper_id)
    offers: dict[str, Offer] = {}
    for (_, sku), snapshot in snapshots.items():
        if snapshot is None:
            continue
        if context is None:
            offers[sku] = composition.anonymous_offer(
                snapshot, country=policy.default_country,
                low_stock_threshold=policy.low_stock_threshold, now=now,
            )  # fmt: skip
        else:
            offers[sku] = composition.linked_offer(
                snapshot, context=context, scopes=frozenset({"checkout"}),
                country=context.country or policy.default_country,
                low_stock_threshold=policy.low_stock_threshold, now=now,
            )  # fmt: skip
    return offers


async def store_offer_tokens(
    *,
    uow: UnitOfWork,
    writer: UnitOfWork,
    policy: OfferPolicy,
    shopper_id: str,
    skus: Sequence[str],
) -> dict[str, str]:
    """The store's own offer tokens for its signed-in shopper, by SKU (active variants only).

    They never leave the server: the shop site turns a cart into a checkout session with them,
    so the store's checkout runs through the same token checks as a partner's.
    """
    snapshots = await current_variants(uow=uow, skus=skus)
    context = await _shopper_context(uow, caches_of(uow, policy), shopper_id)
    keyring = await signing_keyring(uow=uow, writer=writer, policy=policy)
    now = clock.now().replace(microsecond=0)
    tokens = {}
    for sku, snapshot in snapshots.items():
        pricing = composition.price_for(snapshot, is_member=context.is_member)
        claims = OfferClaims(
            token_id=new_id("oft"), issuer=policy.issuer, partner_id=STORE_AUDIENCE,
            subject=shopper_id, variant_id=snapshot.variant_id, sku=sku,
            unit_price_minor=pricing.unit_price_minor, currency=pricing.currency,
            member_price=pricing.member_price_applied, placement_id=STORE_PLACEMENT,
            campaign_id=None, creative_id=None, issued_at=now, expires_at=now + policy.token_ttl,
        )  # fmt: skip
        tokens[sku] = sign_offer(claims, keyring)
    return tokens


async def verify_offer_token(
    *,
    uow: UnitOfWork,
    policy: OfferPolicy,
    token: str,
    partner_id: str,
    subject: str | None = None,
    now: datetime | None = None,
) -> OfferClaims:
    """The claims of an offer token checkout may trust, or a domain error with a stable code.

    ``offer_token_invalid`` (malformed, tampered, unknown or expired key), ``offer_token_expired``,
    ``offer_token_wrong_partner`` (issued to another partner than ``partner_id``) and, when
    ``subject`` (the caller's pairwise shopper id) is given, ``offer_token_wrong_shopper``.
    """
    keyring = await verification_keyring(uow=uow, policy=policy, kid=token_kid(token))
    return verify_offer(
        token, keyring, partner_id=partner_id, subject=subject, now=now or clock.now()
    )
