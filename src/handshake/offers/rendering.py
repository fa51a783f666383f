"""Offers as JSON documents (the shape of ``schemas.OffersOut``), built without validation.

Offers are the hottest partner path: plain dicts serialised once by ``json.dumps`` cost a
fraction of building and validating response models. Tests check the documents against
``OffersOut``.
"""

from __future__ import annotations

import json
from typing import Any

from handshake.kernel.money import Money
from handshake.offers.composition import Delivery, Offer
from handshake.offers.service import OfferBatch, OfferItem

NOT_FOUND_DETAIL = "No variant of an active product has this reference."


def price(minor: int, currency: str) -> dict[str, Any]:
    """The ``PriceOut`` form of an amount."""
    return {
        "minor": minor,
        "currency": currency,
        "amount": str(Money(minor, currency).as_decimal()),
    }


def _delivery(delivery: Delivery | None, lang: str) -> dict[str, Any] | None:
    if delivery is None:
        return None
    window = delivery.window
    return {
        "kind": delivery.kind,
        "date": window.date.isoformat(),
        "start_hour": window.start_hour,
        "end_hour": window.end_hour,
        "label": window.label_fr if lang == "fr" else window.label_en,
        "country": delivery.country,
    }


def _offer(item: OfferItem, offer: Offer, *, linked: bool, lang: str) -> dict[str, Any]:
    variant, pricing = offer.variant, offer.pricing
    saving = pricing.saving_minor
    return {
        "variant_id": variant.variant_id,
        "sku": variant.sku,
        "gtin": variant.gtin,
        "product_id": variant.product_id,
        "title": variant.title(lang),
        "image": variant.image,
        "price": price(pricing.unit_price_minor, pricing.currency),
        "list_price": price(pricing.list_price_minor, pricing.currency),
        "member_price_applied": pricing.member_price_applied,
        "saving": price(saving, pricing.currency) if saving > 0 else None,
        "availability": {"status": offer.availability.status, "count": offer.availability.count},
        "delivery": _delivery(offer.delivery, lang),
        "membership_badge": offer.membership_badge,
        "checkout": {
            "possible": not offer.checkout_blockers,
            "blockers": list(offer.checkout_blockers),
        }
        if linked
        else None,
        "offer_token": item.token,
        "offer_token_expires_at": item.token_expires_at.isoformat()
        if item.token_expires_at
        else None,
    }


def _item(item: OfferItem, *, linked: bool, lang: str) -> dict[str, Any]:
    kind, value = item.reference
    if item.offer is None:
        return {
            "reference": {kind: value},
            "status": "not_found",
            "offer": None,
            "error": {"code": item.error_code or "variant_not_found", "detail": NOT_FOUND_DETAIL},
        }
    return {
        "reference": {kind: value},
        "status": "ok",
        "offer": _offer(item, item.offer, linked=linked, lang=lang),
        "error": None,
    }


def item_document(item: OfferItem, *, linked: bool, lang: str) -> dict[str, Any]:
    """The ``OfferResultOut`` document of one answered reference."""
    return _item(item, linked=linked, lang=lang)


def offers_document(batch: OfferBatch, *, lang: str) -> dict[str, Any]:
    """The ``OffersOut`` document of ``batch``."""
    return {
        "linked": batch.linked,
        "items": [_item(item, linked=batch.linked, lang=lang) for item in batch.items],
        "link_account_url": batch.link_account_url,
    }


def offers_json(batch: OfferBatch, *, lang: str) -> bytes:
    """The serialised ``OffersOut`` document."""
    return json_bytes(offers_document(batch, lang=lang))


def json_bytes(document: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
