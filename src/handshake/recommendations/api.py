"""Recommendations APIs: the shopper's suggestions with their reasons, and a partner's narrow view.

``GET /api/v1/me/recommendations``: each suggestion with its reason, numbers and the device
grant it relied on. ``GET /partner/v1/recommendations`` (scope ``offers``, a shopper's link):
products per rule and the generic basis ``connected_home`` only. The partner is another app:
device ids, names and values stay with the shopper, whose grant covers the platform's use only.
Both read device history for ``recommendations``, so both need a writing unit of work (devices
audits every read).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from handshake.accounts.deps import CurrentShopper
from handshake.catalog.schemas import PriceOut
from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.recommendations import service
from handshake.recommendations.deps import Rules
from handshake.recommendations.schemas import (
    BasisOut,
    Lang,
    PartnerSuggestionOut,
    PartnerSuggestionsOut,
    ProductOut,
    SuggestionOut,
    SuggestionsOut,
)
from handshake.web.deps import WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(tags=["recommendations"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or no valid token", **PROBLEM},
    403: {"description": "The token lacks the offers scope or is not a shopper's", **PROBLEM},
}
OffersAccess = Annotated[PartnerAccess, Depends(require_scopes("offers"))]


def product_out(product: service.SuggestedProduct) -> ProductOut:
    """The response form of a suggested product."""
    return ProductOut(
        id=product.product_id, handle=product.handle, title=product.title, brand=product.brand,
        image=product.image, price_from=PriceOut.of(product.price_from),
        member_price_from=PriceOut.maybe(product.member_price_from),
        availability="low_stock" if product.availability == "low_stock" else "in_stock",
    )  # fmt: skip


def suggestion_out(suggestion: service.Suggestion) -> SuggestionOut:
    """The shopper's form of a suggestion: reason, numbers and grant included."""
    basis = suggestion.basis
    return SuggestionOut(
        rule=suggestion.rule.value, reason=suggestion.reason,
        device_name=suggestion.device_name, facts=dict(suggestion.numbers),
        basis=BasisOut(
            partner_id=basis.partner_id, grant_id=basis.grant_id,
            grant_version=basis.grant_version, device_id=basis.device_id,
            data_types=list(basis.data_types),
        ),
        products=[product_out(p) for p in suggestion.products],
    )  # fmt: skip


def partner_items(suggestions: list[service.Suggestion]) -> list[PartnerSuggestionOut]:
    """Each suggested product once, in the order found: which rule fired, and for how many
    devices, is device data and stays with the store."""
    seen: dict[str, PartnerSuggestionOut] = {}
    for suggestion in suggestions:
        for product in suggestion.products:
            out = product_out(product)
            seen.setdefault(out.id, PartnerSuggestionOut(product=out))
    return list(seen.values())


@router.get(
    "/api/v1/me/recommendations", summary="My suggestions and why", responses=RESPONSES,
    response_model=SuggestionsOut,
)  # fmt: skip
async def my_recommendations(
    shopper: CurrentShopper, uow: WriteUow, rules: Rules, lang: Lang = "en"
) -> SuggestionsOut:
    """Suggestions from device data shared for recommendations, each with its reason and grant."""
    found = await service.suggest_for_shopper(
        uow=uow, shopper_id=shopper.id, language=lang, rules=rules
    )
    return SuggestionsOut(items=[suggestion_out(s) for s in found])


@router.get(
    "/partner/v1/recommendations", summary="Product suggestions for the linked shopper",
    responses=RESPONSES, response_model=PartnerSuggestionsOut,
)  # fmt: skip
async def partner_recommendations(
    access: OffersAccess, uow: WriteUow, rules: Rules, lang: Lang = "en"
) -> PartnerSuggestionsOut:
    """Suggested products with the generic basis ``connected_home``: never device data."""
    assert access.shopper_id is not None  # require_scopes demands a shopper's token
    found = await service.suggest_for_shopper(
        uow=uow, shopper_id=access.shopper_id, language=lang, rules=rules
    )
    return PartnerSuggestionsOut(items=partner_items(found))
