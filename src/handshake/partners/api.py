"""JSON API of the partners domain: operator administration and the partner's own ``/me``.

Secrets appear only in the responses of creation and rotation, which are marked ``no-store``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response

from handshake.accounts.deps import CurrentOperator
from handshake.partners import service
from handshake.partners.deps import AuthenticatedPartnerClient
from handshake.partners.kinds import PartnerKind, PartnerStatus
from handshake.partners.schemas import (
    ClientCreate,
    ClientList,
    ClientOut,
    IssuedClientOut,
    IssuedWebhookEndpointOut,
    MeClient,
    MePartner,
    PartnerCreate,
    PartnerList,
    PartnerMe,
    PartnerOut,
    PartnerUpdate,
    SuspendRequest,
    WebhookEndpointCreate,
    WebhookEndpointList,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookSecretRotate,
)
from handshake.partners.updates import KEEP
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

TAG = "partners"


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        401: "Missing or bad credentials",
        403: "Not allowed (e.g. partner_suspended, not_an_operator)",
        404: "Partner, client or endpoint not found",
        409: "Conflict with the current state",
        422: "Invalid input",
    }
    return {
        code: {"description": descriptions[code], "content": {"application/problem+json": {}}}
        for code in statuses
    }


async def _require_operator(operator: CurrentOperator) -> None:
    """Every admin route needs an operator (API key or operator session)."""


admin = DomainRouter(
    prefix="/api/v1/admin/partners",
    tags=[TAG],
    dependencies=[Depends(_require_operator)],
    responses=_problems(401, 403),
)
partner_api = DomainRouter(prefix="/partner/v1", tags=[TAG])


def _no_store(response: Response) -> None:
    # Responses carrying a secret must not be kept by any cache.
    response.headers["Cache-Control"] = "no-store"


@admin.post(
    "",
    summary="Register a partner",
    status_code=201,
    response_model=PartnerOut,
    responses=_problems(409, 422),
)
async def create_partner(body: PartnerCreate, uow: WriteUow) -> PartnerOut:
    """Register a partner."""
    partner = await service.create_partner(
        uow=uow,
        name=body.name,
        kind=body.kind,
        contact_email=str(body.contact_email),
        contact_name=body.contact_name,
        website=body.website,
    )
    return PartnerOut.model_validate(partner)


@admin.get("", summary="List partners", response_model=PartnerList, responses=_problems(422))
async def list_partners(
    uow: ReadUow, status: PartnerStatus | None = None, kind: PartnerKind | None = None
) -> PartnerList:
    """List partners."""
    partners = await service.list_partners(uow=uow, status=status, kind=kind)
    return PartnerList(items=[PartnerOut.model_validate(p) for p in partners])


@admin.get(
    "/{partner_id}", summary="Get a partner", response_model=PartnerOut, responses=_problems(404)
)
async def get_partner(partner_id: str, uow: ReadUow) -> PartnerOut:
    """Get a partner."""
    return PartnerOut.model_validate(await service.get_partner(uow=uow, partner_id=partner_id))


@admin.patch(
    "/{partner_id}",
    summary="Change a partner's name or contact details",
    response_model=PartnerOut,
    responses=_problems(404, 409, 422),
)
async def update_partner(partner_id: str, body: PartnerUpdate, uow: WriteUow) -> PartnerOut:
    """Change a partner's name or contact details."""
    given = body.model_fields_set
    partner = await service.update_partner(
        uow=uow,
        partner_id=partner_id,
        name=body.name if body.name is not None else KEEP,
        contact_email=str(body.contact_email) if body.contact_email is not None else KEEP,
        contact_name=body.contact_name if "contact_name" in given else KEEP,
        website=body.website if "website" in given else KEEP,
    )
    return PartnerOut.model_validate(partner)


@admin.post(
    "/{partner_id}/suspend",
    summary="Suspend a partner: all its calls fail from the next request on",
    response_model=PartnerOut,
    responses=_problems(404, 409, 422),
)
async def suspend_partner(partner_id: str, body: SuspendRequest, uow: WriteUow) -> PartnerOut:
    """Suspend a partner: all its calls fail from the next request on."""
    partner = await service.suspend_partner(uow=uow, partner_id=partner_id, reason=body.reason)
    return PartnerOut.model_validate(partner)


@admin.post(
    "/{partner_id}/reactivate",
    summary="Reactivate a suspended partner",
    response_model=PartnerOut,
    responses=_problems(404, 409),
)
async def reactivate_partner(partner_id: str, uow: WriteUow) -> PartnerOut:
    """Reactivate a suspended partner."""
    partner = await service.reactivate_partner(uow=uow, partner_id=partner_id)
    return PartnerOut.model_validate(partner)


@admin.post(
    "/{partner_id}/clients",
    summary="Register an OAuth client (the secret is shown only in this response)",
    status_code=201,
    response_model=IssuedClientOut,
    responses=_problems(404, 422),
)
async def create_client(
    partner_id: str, body: ClientCreate, uow: WriteUow, response: Response
) -> IssuedClientOut:
    """Register an OAuth client."""
    issued = await service.create_client(
        uow=uow,
        partner_id=partner_id,
        client_type=body.client_type,
        redirect_uris=body.redirect_uris,
        scopes=body.scopes,
        name=body.name,
    )
    _no_store(response)
    return IssuedClientOut(
        client=ClientOut.model_validate(issued.client), client_secret=issued.client_secret
    )


@admin.get(
    "/{partner_id}/clients",
    summary="List a partner's OAuth clients",
    response_model=ClientList,
    responses=_problems(404),
)
async def list_clients(partner_id: str, uow: ReadUow) -> ClientList:
    """List a partner's OAuth clients."""
    clients = await service.list_clients(uow=uow, partner_id=partner_id)
    return ClientList(items=[ClientOut.model_validate(c) for c in clients])


@admin.post(
    "/{partner_id}/clients/{client_id}/rotate-secret",
    summary="Give a client a new secret; the old one stops working at once",
    response_model=IssuedClientOut,
    responses=_problems(404, 409),
)
async def rotate_client_secret(
    partner_id: str, client_id: str, uow: WriteUow, response: Response
) -> IssuedClientOut:
    """Give a client a new secret; the old one stops working at once."""
    issued = await service.rotate_client_secret(uow=uow, partner_id=partner_id, client_id=client_id)
    _no_store(response)
    return IssuedClientOut(
        client=ClientOut.model_validate(issued.client), client_secret=issued.client_secret
    )


@admin.post(
    "/{partner_id}/clients/{client_id}/revoke",
    summary="Revoke a client for good",
    response_model=ClientOut,
    responses=_problems(404),
)
async def revoke_client(partner_id: str, client_id: str, uow: WriteUow) -> ClientOut:
    """Revoke a client for good."""
    client = await service.revoke_client(uow=uow, partner_id=partner_id, client_id=client_id)
    return ClientOut.model_validate(client)


@admin.post(
    "/{partner_id}/webhook-endpoints",
    summary="Register a webhook endpoint (the signing secret is shown only in this response)",
    status_code=201,
    response_model=IssuedWebhookEndpointOut,
    responses=_problems(404, 409, 422),
)
async def create_webhook_endpoint(
    partner_id: str, body: WebhookEndpointCreate, uow: WriteUow, response: Response
) -> IssuedWebhookEndpointOut:
    """Register a webhook endpoint."""
    issued = await service.add_webhook_endpoint(
        uow=uow,
        partner_id=partner_id,
        url=body.url,
        event_types=body.event_types,
        enabled=body.enabled,
        description=body.description,
        signature_scheme=body.signature_scheme,
        signing_secret=body.signing_secret,
    )
    _no_store(response)
    return IssuedWebhookEndpointOut(
        endpoint=WebhookEndpointOut.model_validate(issued.endpoint), secret=issued.secret
    )


@admin.get(
    "/{partner_id}/webhook-endpoints",
    summary="List a partner's webhook endpoints",
    response_model=WebhookEndpointList,
    responses=_problems(404),
)
async def list_webhook_endpoints(partner_id: str, uow: ReadUow) -> WebhookEndpointList:
    """List a partner's webhook endpoints."""
    endpoints = await service.list_webhook_endpoints(uow=uow, partner_id=partner_id)
    return WebhookEndpointList(items=[WebhookEndpointOut.model_validate(e) for e in endpoints])


@admin.patch(
    "/{partner_id}/webhook-endpoints/{endpoint_id}",
    summary="Change a webhook endpoint's URL, event types, description or enabled flag",
    response_model=WebhookEndpointOut,
    responses=_problems(404, 409, 422),
)
async def update_webhook_endpoint(
    partner_id: str, endpoint_id: str, body: WebhookEndpointUpdate, uow: WriteUow
) -> WebhookEndpointOut:
    """Change a webhook endpoint's URL, event types, description or enabled flag."""
    endpoint = await service.update_webhook_endpoint(
        uow=uow,
        partner_id=partner_id,
        endpoint_id=endpoint_id,
        url=body.url if body.url is not None else KEEP,
        event_types=body.event_types if body.event_types is not None else KEEP,
        enabled=body.enabled if body.enabled is not None else KEEP,
        description=body.description if "description" in body.model_fields_set else KEEP,
    )
    return WebhookEndpointOut.model_validate(endpoint)


@admin.post(
    "/{partner_id}/webhook-endpoints/{endpoint_id}/rotate-secret",
    summary="New signing secret; the previous one keeps signing too for 24 hours",
    response_model=IssuedWebhookEndpointOut,
    responses=_problems(404, 422),
)
async def rotate_webhook_secret(
    partner_id: str,
    endpoint_id: str,
    uow: WriteUow,
    response: Response,
    body: WebhookSecretRotate | None = None,
) -> IssuedWebhookEndpointOut:
    """New signing secret (ACP endpoints may give the agent platform's); the old one signs 24 h."""
    issued = await service.rotate_webhook_secret(
        uow=uow,
        partner_id=partner_id,
        endpoint_id=endpoint_id,
        signing_secret=body.signing_secret if body else None,
    )
    _no_store(response)
    return IssuedWebhookEndpointOut(
        endpoint=WebhookEndpointOut.model_validate(issued.endpoint), secret=issued.secret
    )


@admin.delete(
    "/{partner_id}/webhook-endpoints/{endpoint_id}",
    summary="Delete a webhook endpoint",
    status_code=204,
    response_class=Response,
    responses=_problems(404),
)
async def delete_webhook_endpoint(partner_id: str, endpoint_id: str, uow: WriteUow) -> Response:
    """Delete a webhook endpoint."""
    await service.delete_webhook_endpoint(uow=uow, partner_id=partner_id, endpoint_id=endpoint_id)
    return Response(status_code=204)


@partner_api.get(
    "/me",
    summary="The calling partner and client (check your credentials)",
    response_model=PartnerMe,
    responses=_problems(401, 403),
)
async def partner_me(caller: AuthenticatedPartnerClient) -> PartnerMe:
    """The calling partner and client."""
    return PartnerMe(
        partner=MePartner(id=caller.partner_id, name=caller.partner_name, kind=caller.partner_kind),
        client=MeClient(
            client_id=caller.client_id,
            name=caller.client_name,
            client_type=caller.client_type,
            allowed_scopes=list(caller.allowed_scopes),
            redirect_uris=list(caller.redirect_uris),
        ),
    )


router = DomainRouter()
router.include_router(admin)
router.include_router(partner_api)
