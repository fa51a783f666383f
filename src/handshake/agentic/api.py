"""The Agentic Commerce Protocol's checkout API (API-Version 2026-04-17) under ``/acp``.

An agent's platform is a partner of the store; the agent calls with the access token of the
shopper's link (scope ``checkout``). Every POST needs an ``Idempotency-Key`` (400
``idempotency_key_required``); a replay answers the first status and body with
``Idempotent-Replayed: true``; the same key with another body is a 422 ``idempotency_conflict``;
while the first request runs, 409 ``idempotency_in_flight`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from handshake.agentic import completing, handler_schemas, psp_api, service
from handshake.agentic.protocol import (
    PINNED_VERSION,
    SUPPORTED_VERSIONS,
    AcpRoute,
    check_api_version,
    domain_error_answer,
)
from handshake.agentic.schemas import (
    CancelSessionIn,
    CompleteSessionIn,
    CreateSessionIn,
    FulfillmentDetailsIn,
    ItemIn,
    UpdateSessionIn,
)
from handshake.agentic.session_document import StoreFacts
from handshake.checkout.deps import buyer_of, checkout_policy
from handshake.checkout.keyed_calls import Answer, keyed_call
from handshake.checkout.service import DeliveryAddress
from handshake.idempotency.service import IdempotentRequest
from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter

router = DomainRouter(tags=["agentic commerce"], route_class=AcpRoute)
router.include_router(psp_api.router)
ERROR: dict[str, Any] = {"content": {"application/json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "API-Version or Idempotency-Key missing, invalid request", **ERROR},
    401: {"description": "Missing, unknown, expired or revoked token", **ERROR},
    403: {"description": "Scope missing, or not a shopper's token", **ERROR},
    404: {"description": "No such session for this agent", **ERROR},
    405: {"description": "Session already completed or cancelled (cancel)", **ERROR},
    409: {"description": "Same key still running, session closed, price changed", **ERROR},
    422: {"description": "Key reused with another body; declined payment", **ERROR},
}
CheckoutAccess = Annotated[PartnerAccess, Depends(require_scopes("checkout"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


async def api_version(version: Annotated[str | None, Header(alias="API-Version")] = None) -> str:
    """The request's API-Version, checked."""
    return check_api_version(version)


Version = Annotated[str, Depends(api_version)]


def store_facts(request: Request) -> StoreFacts:
    """The store's links and payment handler, in the language the agent asks for."""
    settings = app_services(request).settings
    agentic, policy = settings.agentic, checkout_policy(request)
    links = [
        ("terms_of_use", agentic.terms_url), ("privacy_policy", agentic.privacy_url),
        ("return_policy", agentic.returns_url),
    ]  # fmt: skip
    lang = "fr" if request.headers.get("accept-language", "").lower().startswith("fr") else "en"
    return StoreFacts(
        public_url=policy.public_url, merchant_id=agentic.merchant_id,
        links=tuple((kind, url) for kind, url in links if url), lang=lang,
    )  # fmt: skip


def _caller(request: Request, access: PartnerAccess, version: str) -> service.AgentCaller:
    return service.AgentCaller(buyer_of(access), version, store_facts(request))


def _scope(access: PartnerAccess, request: Request) -> str:
    return f"acp:{access.partner_id}:{access.subject}:{request.method} {request.url.path}"


def _basket(items: list[ItemIn] | None) -> service.Basket | None:
    if items is None:
        return None
    return service.basket_of([(i.id, i.quantity, i.unit_amount) for i in items])


def _contact(
    buyer: Any, details: FulfillmentDetailsIn | None, notes: str | None
) -> service.Contact:
    address = details.address if details else None
    return service.Contact(
        buyer=buyer.model_dump(exclude_none=True) if buyer else None,
        fulfillment_details=details.model_dump(exclude_none=True) if details else None,
        address=None if address is None else DeliveryAddress(
            name=address.name, line1=address.line_one, line2=address.line_two,
            city=address.city, region=address.state or None, postal_code=address.postal_code,
            country=address.country,
        ),
        order_notes=notes,
    )  # fmt: skip


async def _keyed(request: Request, access: PartnerAccess, key: str | None, run: Any) -> Response:
    return await keyed_call(
        request, scope=_scope(access, request), key=key, run=run, required=True,
        render_error=domain_error_answer, error_media="application/json",
    )  # fmt: skip


@router.post("/acp/checkout_sessions", status_code=201, responses=RESPONSES)
async def create_checkout_session(
    body: CreateSessionIn, request: Request, access: CheckoutAccess, version: Version,
    key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Open a session for the items at the shopper's own price, with stock held."""

    async def run(keyed: IdempotentRequest | None) -> Answer:
        document = await service.create_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            caller=_caller(request, access, version), currency=body.currency,
            basket=_basket(body.line_items) or service.Basket(()),
            contact=_contact(body.buyer, body.fulfillment_details, body.order_notes),
            attribution=body.affiliate_attribution, locale=body.locale, keyed=keyed,
        )  # fmt: skip
        return Answer(201, document, kept=True)

    return await _keyed(request, access, key, run)


@router.post("/acp/checkout_sessions/{checkout_session_id}", responses=RESPONSES)
async def update_checkout_session(
    checkout_session_id: str, body: UpdateSessionIn, request: Request, access: CheckoutAccess,
    version: Version, key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Replace the items, give buyer and address, or choose the fulfillment option."""
    chosen = body.selected_fulfillment_options or []

    async def run(keyed: IdempotentRequest | None) -> Answer:
        document = await service.update_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            caller=_caller(request, access, version), session_id=checkout_session_id,
            basket=_basket(body.line_items),
            contact=_contact(body.buyer, body.fulfillment_details, body.order_notes),
            option_id=chosen[0].option_id if chosen else None, keyed=keyed,
        )  # fmt: skip
        return Answer(200, document, kept=True)

    return await _keyed(request, access, key, run)


@router.get("/acp/checkout_sessions/{checkout_session_id}", responses=RESPONSES)
async def get_checkout_session(
    checkout_session_id: str, request: Request, access: CheckoutAccess, version: Version
) -> JSONResponse:
    """The session as it stands, with its order once completed."""
    document = await service.get_session(
        uow=app_services(request).read_uow(), policy=checkout_policy(request),
        caller=_caller(request, access, version), session_id=checkout_session_id,
    )  # fmt: skip
    return JSONResponse(document)


@router.post("/acp/checkout_sessions/{checkout_session_id}/complete", responses=RESPONSES)
async def complete_checkout_session(
    checkout_session_id: str, body: CompleteSessionIn, request: Request,
    access: CheckoutAccess, version: Version, key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Pay with the delegated vault token and place the order, exactly once per key."""
    data = body.payment_data
    token = data.instrument.credential.token if data.instrument else data.token
    if token is None:
        raise completing.missing_token()
    payment = completing.DelegatedToken(data.handler_id, token)

    async def run(keyed: IdempotentRequest | None) -> Answer:
        document = await completing.complete_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            caller=_caller(request, access, version), session_id=checkout_session_id,
            payment=payment, merchant_id=app_services(request).settings.agentic.merchant_id,
            contact=_contact(body.buyer, None, body.order_notes),
            attribution=body.affiliate_attribution, keyed=keyed,
        )  # fmt: skip
        return Answer(200, document, kept=True)

    policy = checkout_policy(request)
    return await keyed_call(
        request, scope=_scope(access, request), key=key, run=run, required=True,
        lease=policy.completion_lease, render_error=domain_error_answer,
        error_media="application/json",
    )  # fmt: skip


@router.post("/acp/checkout_sessions/{checkout_session_id}/cancel", responses=RESPONSES)
async def cancel_checkout_session(
    checkout_session_id: str, request: Request, access: CheckoutAccess, version: Version,
    body: Annotated[CancelSessionIn | None, Body()] = None, key: IdempotencyKey = None,
) -> Response:  # fmt: skip
    """Cancel the session; its stock goes back at once. 405 once completed or cancelled."""
    trace = body.intent_trace if body else None

    async def run(keyed: IdempotentRequest | None) -> Answer:
        document = await service.cancel_session(
            uow=app_services(request).uow(), policy=checkout_policy(request),
            caller=_caller(request, access, version), session_id=checkout_session_id,
            intent_trace=trace.model_dump(exclude_none=True) if trace else None, keyed=keyed,
        )  # fmt: skip
        return Answer(200, document, kept=True)

    return await _keyed(request, access, key, run)


@router.get("/.well-known/acp.json", summary="Agentic Commerce Protocol discovery")
async def discovery(request: Request) -> JSONResponse:
    """Which protocol versions and services this store offers, and where."""
    policy = checkout_policy(request)
    return JSONResponse({
        "protocol": {
            "name": "acp", "version": PINNED_VERSION,
            "supported_versions": list(SUPPORTED_VERSIONS),
        },
        "api_base_url": f"{policy.public_url}/acp", "transports": ["rest"],
        "capabilities": {
            "services": ["checkout", "delegate_payment"],
            "supported_currencies": [policy.currency.lower()],
            "supported_locales": ["en-US", "fr-FR"],
        },
    })  # fmt: skip


@router.get(handler_schemas.CONFIG_PATH, summary="JSON Schema of the payment handler's config")
async def handler_config_schema(request: Request) -> JSONResponse:
    """What ``capabilities.payment.handlers[].config`` holds."""
    return JSONResponse(handler_schemas.config_schema(checkout_policy(request).public_url))


@router.get(handler_schemas.INSTRUMENT_PATH, summary="JSON Schema of the payment instrument")
async def handler_instrument_schema(request: Request) -> JSONResponse:
    """What ``payment_data.instrument`` of /complete holds."""
    return JSONResponse(handler_schemas.instrument_schema(checkout_policy(request).public_url))
