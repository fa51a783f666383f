"""Product cards hydrated from live offers: the only source of prices, stock and delivery."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from handshake.assistant.caller import Caller
from handshake.assistant.constraints import Constraints
from handshake.assistant.documents import ProductDocument
from handshake.assistant.product_index import option_key
from handshake.catalog.search_text import normalise
from handshake.db.uow import UnitOfWork
from handshake.linking.service import PartnerAccess
from handshake.offers import service as offers
from handshake.offers.composition import Offer
from handshake.offers.service import OfferItem, OfferPolicy, OfferRequest

PLACEMENT = "assistant"
MAX_SKUS = 50
OUT_OF_STOCK = "out_of_stock"


@dataclass(frozen=True)
class ProductCard:
    """One product as the shopper sees it now: their price, stock and delivery promise."""

    product_id: str
    handle: str
    title: str
    brand: str
    sku: str
    options: dict[str, str]
    image: str | None
    price_minor: int
    list_price_minor: int
    currency: str
    member_price: bool
    availability: str  # in_stock, low_stock, out_of_stock
    units_left: int | None
    delivery_date: date | None
    delivery_label: str | None

    @property
    def in_stock(self) -> bool:
        """Whether it can be bought now."""
        return self.availability != OUT_OF_STOCK


@dataclass(frozen=True)
class OfferSource:
    """Where a turn's offers come from (fresh units of work, the offer policy)."""

    reader: Callable[[], UnitOfWork]
    writer: Callable[[], UnitOfWork]
    policy: OfferPolicy


async def live_offers(
    source: OfferSource, caller: Caller, skus: Sequence[str], lang: str
) -> dict[str, Offer]:
    """Offers by SKU for ``caller``: a partner's through its grant, the store's otherwise."""
    wanted = list(dict.fromkeys(skus))[:MAX_SKUS]
    if not wanted:
        return {}
    if caller.access is None:
        return await offers.store_offers(
            uow=source.reader(), policy=source.policy, shopper_id=caller.shopper_id, skus=wanted
        )
    items = await partner_offer_items(source, caller.access, wanted, lang)
    return {item.reference[1]: item.offer for item in items if item.offer is not None}


async def partner_offer_items(
    source: OfferSource, access: PartnerAccess, skus: Sequence[str], lang: str
) -> list[OfferItem]:
    """The partner's offers (with offer tokens for its linked shopper), as the assistant's
    placement."""
    batch = await offers.present_offers(
        uow=source.reader(), writer=source.writer(), policy=source.policy, access=access,
        request=OfferRequest(
            references=tuple(("sku", sku) for sku in skus), placement_id=PLACEMENT, lang=lang
        ),
    )  # fmt: skip
    return batch.items


async def product_cards(
    source: OfferSource,
    caller: Caller,
    documents: Sequence[ProductDocument],
    *,
    lang: str,
    constraints: Constraints | None = None,
) -> list[ProductCard]:
    """Cards for ``documents`` (same order); products with no live offer are left out."""
    per_product = max(1, MAX_SKUS // max(len(documents), 1))
    skus = [sku for doc in documents for sku in _candidate_skus(doc, constraints)[:per_product]]
    found = await live_offers(source, caller, skus, lang)
    cards = []
    for doc in documents:
        choices = [found[s] for s in _candidate_skus(doc, constraints)[:per_product] if s in found]
        if choices:
            cards.append(_card(doc, _best(choices), lang))
    return cards


def _candidate_skus(doc: ProductDocument, constraints: Constraints | None) -> list[str]:
    """The product's SKUs, those matching the asked options first."""
    wanted = {
        option_key(k): {normalise(v) for v in values}
        for k, values in (constraints.options if constraints else {}).items()
    }

    def matches(sku: str) -> bool:
        options = {option_key(k): normalise(v) for k, v in doc.variant_options.get(sku, {}).items()}
        return all(options.get(key) in values for key, values in wanted.items() if key in options)

    return sorted(doc.skus, key=lambda sku: not matches(sku))


def _best(choices: Sequence[Offer]) -> Offer:
    """The first matching variant in stock, else the first."""
    return next((o for o in choices if o.availability.status != OUT_OF_STOCK), choices[0])


def _card(doc: ProductDocument, offer: Offer, lang: str) -> ProductCard:
    window = offer.delivery.window if offer.delivery is not None else None
    label = None if window is None else (window.label_fr if lang == "fr" else window.label_en)
    return ProductCard(
        product_id=doc.product_id, handle=doc.handle, title=offer.variant.title(lang),
        brand=doc.brand, sku=offer.variant.sku,
        options=dict(doc.variant_options.get(offer.variant.sku, {})), image=offer.variant.image,
        price_minor=offer.pricing.unit_price_minor,
        list_price_minor=offer.pricing.list_price_minor, currency=offer.pricing.currency,
        member_price=offer.pricing.member_price_applied,
        availability=offer.availability.status, units_left=offer.availability.count,
        delivery_date=window.date if window is not None else None, delivery_label=label,
    )  # fmt: skip
