"""Partner offers API (``/partner/v1/offers``) and the public keys of offer tokens.

Partners call with a linked shopper's access token (personal offers) or a client-credentials
token (anonymous offers); both need the ``offers`` scope. The token check may be answered from a
one-second in-process cache (``linking.access_cache``): a revoked link stops working within a
second everywhere, at once in the process that revoked it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from handshake.linking.deps import require_scopes_cached
from handshake.linking.service import PartnerAccess
from handshake.offers import rendering, service
from handshake.offers.errors import InvalidOfferRequest
from handshake.offers.schemas import Country, Gtin, Lang, OffersIn, OffersOut, PartnerRef, Sku
from handshake.offers.service import OfferPolicy, OfferRequest
from handshake.web.deps import app_services

router = APIRouter()
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, expired or revoked token", **PROBLEM},
    403: {"description": "Scope `offers` missing, or partner suspended", **PROBLEM},
    422: {"description": "Invalid request (more than 50 items…)", **PROBLEM},
}
OfferAccess = Annotated[PartnerAccess, Depends(require_scopes_cached("offers", shopper=False))]
JSON = "application/json"


def offer_policy(request: Request) -> OfferPolicy:
    """The app's offer policy, built once per application."""
    policy: OfferPolicy | None = getattr(request.app.state, "offer_policy", None)
    if policy is None:
        policy = OfferPolicy.from_settings(app_services(request).settings)
        request.app.state.offer_policy = policy
    return policy


async def _answer(request: Request, access: PartnerAccess, ask: OfferRequest) -> Response:
    services = app_services(request)
    batch = await service.present_offers(
        uow=services.read_uow(),
        writer=services.uow(),
        policy=offer_policy(request),
        access=access,
        request=ask,
    )
    return Response(rendering.offers_json(batch, lang=ask.lang), media_type=JSON)


@router.get(
    "/partner/v1/offers",
    tags=["partner"],
    summary="Live offer for one variant (by SKU or GTIN)",
    response_model=OffersOut,
    responses=RESPONSES,
)
async def get_offer(
    request: Request,
    access: OfferAccess,
    placement_id: Annotated[PartnerRef, Query()],
    sku: Annotated[Sku | None, Query()] = None,
    gtin: Annotated[Gtin | None, Query()] = None,
    campaign_id: Annotated[PartnerRef | None, Query()] = None,
    creative_id: Annotated[PartnerRef | None, Query()] = None,
    country: Annotated[Country | None, Query()] = None,
    lang: Lang = "en",
) -> Response:
    """One variant's offer: personal with a shopper's token, generic with client credentials."""
    if (sku is None) == (gtin is None):
        raise InvalidOfferRequest("Give exactly one of sku and gtin.")
    reference = ("sku", sku) if sku is not None else ("gtin", gtin or "")
    ask = OfferRequest(
        references=(reference,), placement_id=placement_id, campaign_id=campaign_id,
        creative_id=creative_id, country=country, lang=lang,
    )  # fmt: skip
    return await _answer(request, access, ask)


@router.post(
    "/partner/v1/offers",
    tags=["partner"],
    summary="Live offers for up to 50 variants; unknown ones are reported per item",
    response_model=OffersOut,
    responses=RESPONSES,
)
async def post_offers(body: OffersIn, request: Request, access: OfferAccess) -> Response:
    """A batch of offers in request order (scope ``offers``)."""
    references = tuple(
        ("sku", item.sku) if item.sku is not None else ("gtin", item.gtin or "")
        for item in body.items
    )
    ask = OfferRequest(
        references=references, placement_id=body.placement_id, campaign_id=body.campaign_id,
        creative_id=body.creative_id, country=body.country, lang=body.lang,
    )  # fmt: skip
    return await _answer(request, access, ask)


@router.get(
    "/.well-known/jwks.json",
    tags=["partner"],
    summary="Public keys that verify offer tokens (JWK Set)",
)
async def offer_token_keys(request: Request) -> Response:
    """Every key whose offer tokens may still be presented; cache for up to a minute."""
    jwks = await service.public_jwks(
        uow=app_services(request).read_uow(), policy=offer_policy(request)
    )
    return Response(
        rendering.json_bytes(jwks),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": "public, max-age=60"},
    )
