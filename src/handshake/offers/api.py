"""Partner offers API (``/partner/v1/offers``) and the public keys of offer tokens.

Partners call with a linked shopper's access token (personal offers) or a client-credentials
token (anonymous offers); both need the ``offers`` scope. The token check may be answered from a
one-second in-process cache (``linking.access_cache``): a revoked link stops working within a
second everywhere, at once in the process that revoked it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from handshake.linking.deps import require_scopes_cached
from handshake.linking.service import PartnerAccess
from handshake.offers import rendering, service
from handshake.offers.deps import offer_policy
from handshake.offers.errors import InvalidOfferRequest
from handshake.offers.schemas import OfferQuery, OffersIn, OffersOut, query_parameters
from handshake.offers.service import OfferRequest
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter

router = DomainRouter()
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown, expired or revoked token", **PROBLEM},
    403: {"description": "Scope `offers` missing, or partner suspended", **PROBLEM},
    422: {"description": "Invalid request (more than 50 items…)", **PROBLEM},
}
OfferAccess = Annotated[PartnerAccess, Depends(require_scopes_cached("offers", shopper=False))]
JSON = "application/json"


async def _answer(request: Request, access: PartnerAccess, ask: OfferRequest) -> bytes:
    services = app_services(request)
    batch = await service.present_offers(
        uow=services.read_uow(),
        writer=services.uow(),
        policy=offer_policy(request),
        access=access,
        request=ask,
    )
    return rendering.offers_json(batch, lang=ask.lang)


@router.get(
    "/partner/v1/offers",
    tags=["partner"],
    summary="Live offer for one variant (by SKU or GTIN)",
    response_model=OffersOut,
    responses=RESPONSES,
    openapi_extra={"parameters": query_parameters(OfferQuery)},
)
async def get_offer(request: Request, access: OfferAccess) -> Response:
    """One variant's offer: personal with a shopper's token, generic with client credentials.

    The query is parsed here rather than by FastAPI so that an answer given to the same token
    for the same query within ``offers.cache_seconds`` is served without parsing anything
    (ad impressions repeat); catalog and membership changes drop those answers at once.
    """
    policy = offer_policy(request)
    uow = app_services(request).read_uow()
    answers = service.answer_cache(uow, policy)
    key, now = (access.token_id, request.url.query), service.cache_clock()
    cached = answers.get(key, now)
    if isinstance(cached, bytes):
        return Response(cached, media_type=JSON)

    async def compute() -> bytes:
        generation = answers.generation
        body = await _answer(request, access, _offer_request(request))
        answers.put(key, body, now=now, generation=generation)
        return body

    # Concurrent identical asks share one computation when the answer has just expired.
    body = await service.answers_in_flight(uow, policy).run(key, compute)
    return Response(body, media_type=JSON)


def _offer_request(request: Request) -> OfferRequest:
    try:
        query = OfferQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
        ) from None
    if (query.sku is None) == (query.gtin is None):
        raise InvalidOfferRequest("Give exactly one of sku and gtin.")
    reference = ("sku", query.sku) if query.sku is not None else ("gtin", query.gtin or "")
    return OfferRequest(
        references=(reference,), placement_id=query.placement_id, campaign_id=query.campaign_id,
        creative_id=query.creative_id, country=query.country, lang=query.lang,
    )  # fmt: skip


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
    return Response(await _answer(request, access, ask), media_type=JSON)


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
