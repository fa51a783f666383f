"""Dashboard pages of partners: the list, registration, and a partner's page with its OAuth
clients, allowed scopes, webhook endpoints and suspension.

Secrets (a client's, an endpoint's signing secret) are shown once, on the page answering the
form that made them, never cached; every other change redirects back (post/redirect/get).
The webhook delivery log is a page of the webhooks domain (``/admin/partners/{id}/webhooks``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import AdminPost, PageOperator, PagePost
from handshake.kernel.errors import DomainError
from handshake.partners import service
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.partners.kinds import ClientType, PartnerKind
from handshake.partners.models import SignatureScheme
from handshake.partners.scopes import SCOPES, scopes_for_kind
from handshake.web.admin_pages import form_lists, form_values, render_admin, see_other
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/partners", include_in_schema=False)
KINDS = [k.value for k in PartnerKind]
CLIENT_TYPES = [t.value for t in ClientType]
SIGNATURE_SCHEMES = [s.value for s in SignatureScheme]
Work = Callable[[dict[str, str]], Awaitable[object]]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.get("", response_class=HTMLResponse)
async def partners_page(request: Request, operator: PageOperator, uow: ReadUow) -> HTMLResponse:
    """Every partner, oldest first."""
    context = {"operator": operator, "partners": await service.list_partners(uow=uow)}
    return render_admin(request, "partners/admin/partners.html", context, section="partners")


def _register_page(
    request: Request, operator: PageOperator, values: dict[str, Any], error: DomainError | None
) -> HTMLResponse:
    context = {
        "operator": operator, "kinds": KINDS, "client_types": CLIENT_TYPES,
        "scopes": list(SCOPES.values()), "values": values,
        "error_field": error.extra.get("field") if error else None,
    }  # fmt: skip
    return render_admin(
        request, "partners/admin/register.html", context, section="partners", error=error
    )


@router.get("/new", response_class=HTMLResponse)
async def register_page(request: Request, operator: PageOperator) -> HTMLResponse:
    """The registration form."""
    values = {"kind": "social", "client_type": "confidential", "scopes": []}
    return _register_page(request, operator, values, None)


@router.post("", response_class=HTMLResponse)
async def register_submit(request: Request, operator: PageOperator, uow: WriteUow) -> Response:
    """Register a partner and its first client; the client secret is shown this once."""
    values: dict[str, Any] = await form_values(request)
    values["scopes"] = await form_lists(request, "scopes")
    try:
        partner, issued = await service.register_partner(
            uow=uow, name=values.get("name", ""), kind=values.get("kind", ""),
            contact_email=values.get("contact_email", ""),
            contact_name=values.get("contact_name") or None,
            website=values.get("website") or None,
            client_type=values.get("client_type", "confidential"),
            redirect_uris=_lines(values.get("redirect_uris", "")),
            scopes=values["scopes"] or None,
        )  # fmt: skip
    except DomainError as error:
        return _register_page(request, operator, values, error)
    context = {"operator": operator, "partner": partner, "issued": issued}
    return render_admin(
        request, "partners/admin/registered.html", context, section="partners",
        status_code=201, no_store=True,
    )  # fmt: skip


async def _partner_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    partner_id: str,
    *,
    extra: dict[str, Any] | None = None,
    error: DomainError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    partner = await service.get_partner(uow=uow, partner_id=partner_id)
    context = {
        "operator": operator,
        "partner": partner,
        "clients": await service.list_clients(uow=uow, partner_id=partner_id),
        "endpoints": await service.list_webhook_endpoints(uow=uow, partner_id=partner_id),
        "kind_scopes": [SCOPES[name] for name in scopes_for_kind(partner.partner_kind)],
        "event_types": list(WEBHOOK_EVENT_TYPES),
        "signature_schemes": SIGNATURE_SCHEMES,
        "client_types": CLIENT_TYPES,
        **(extra or {}),
    }
    return render_admin(
        request, "partners/admin/partner.html", context, section="partners", error=error,
        status_code=status_code, no_store=bool(extra and extra.get("secret")),
    )  # fmt: skip


@router.get("/{partner_id}", response_class=HTMLResponse)
async def partner_page(
    partner_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """A partner: details, clients, scopes, webhook endpoints, suspension."""
    return await _partner_page(request, operator, uow, partner_id)


async def _act(post: AdminPost, partner_id: str, work: Work, done: str = "saved") -> Response:
    """Run ``work``; a secret it returns is shown once, anything else redirects back."""
    page = (post.request, post.operator, post.reader, partner_id)
    values = await form_values(post.request)
    try:
        secret = await work(values)
    except DomainError as error:
        extra = {"error_form": values.get("form"), "values": values}
        return await _partner_page(*page, extra=extra, error=error)
    if isinstance(secret, dict):
        return await _partner_page(*page, extra=secret, status_code=201)
    return see_other(f"/admin/partners/{partner_id}?done={done}")


async def _call(
    post: AdminPost, partner_id: str, use_case: Callable[..., Awaitable[Any]], done: str = "saved",
    shown: Callable[[Any], dict[str, Any]] | None = None, **ids: str,
) -> Response:  # fmt: skip
    """Run a use case that reads no form field; ``shown`` picks the secret it issues, if any."""

    async def work(_values: dict[str, str]) -> object:
        result = await use_case(uow=post.uow, partner_id=partner_id, **ids)
        return shown(result) if shown else None

    return await _act(post, partner_id, work, done)


def _client_secret(issued: service.IssuedClient) -> dict[str, Any]:
    return {"secret": issued.client_secret, "secret_of": issued.client_id}


def _endpoint_secret(issued: service.IssuedWebhookEndpoint) -> dict[str, Any]:
    return {"secret": issued.secret, "secret_of": issued.endpoint_id}


@router.post("/{partner_id}/clients", response_class=HTMLResponse)
async def client_create_submit(partner_id: str, post: PagePost) -> Response:
    """A new OAuth client (its secret shown once when confidential)."""
    scopes = await form_lists(post.request, "scopes")

    async def work(values: dict[str, str]) -> object:
        issued = await service.create_client(
            uow=post.uow, partner_id=partner_id, client_type=values.get("client_type", ""),
            redirect_uris=_lines(values.get("redirect_uris", "")), scopes=scopes or None,
            name=values.get("client_name") or None,
        )  # fmt: skip
        return {**_client_secret(issued), "new": True}

    return await _act(post, partner_id, work)


@router.post("/{partner_id}/clients/{client_id}/rotate", response_class=HTMLResponse)
async def client_rotate_submit(partner_id: str, client_id: str, post: PagePost) -> Response:
    """A new client secret; the old one stops working at once."""
    rotate = service.rotate_client_secret
    return await _call(post, partner_id, rotate, shown=_client_secret, client_id=client_id)


@router.post("/{partner_id}/clients/{client_id}/revoke", response_class=HTMLResponse)
async def client_revoke_submit(partner_id: str, client_id: str, post: PagePost) -> Response:
    """Revoke a client for good."""
    return await _call(post, partner_id, service.revoke_client, "revoked", client_id=client_id)


@router.post("/{partner_id}/endpoints", response_class=HTMLResponse)
async def endpoint_add_submit(partner_id: str, post: PagePost) -> Response:
    """A new webhook endpoint; its signing secret is shown once."""
    event_types = await form_lists(post.request, "event_types")

    async def work(values: dict[str, str]) -> object:
        issued = await service.add_webhook_endpoint(
            uow=post.uow, partner_id=partner_id, url=values.get("url", "").strip(),
            event_types=event_types, description=values.get("description") or None,
            signature_scheme=values.get("signature_scheme") or SignatureScheme.STANDARD_WEBHOOKS,
            signing_secret=values.get("signing_secret") or None,
        )  # fmt: skip
        return {**_endpoint_secret(issued), "new": True}

    return await _act(post, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}", response_class=HTMLResponse)
async def endpoint_update_submit(partner_id: str, endpoint_id: str, post: PagePost) -> Response:
    """Change an endpoint's event types and whether it is enabled."""
    event_types = await form_lists(post.request, "event_types")

    async def work(values: dict[str, str]) -> object:
        return await service.update_webhook_endpoint(
            uow=post.uow, partner_id=partner_id, endpoint_id=endpoint_id,
            event_types=event_types, enabled=values.get("enabled") == "on",
        )  # fmt: skip

    return await _act(post, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}/rotate", response_class=HTMLResponse)
async def endpoint_rotate_submit(partner_id: str, endpoint_id: str, post: PagePost) -> Response:
    """A new signing secret, or the agent platform's for ACP (the previous one signs for a day)."""

    async def work(values: dict[str, str]) -> object:
        issued = await service.rotate_webhook_secret(
            uow=post.uow, partner_id=partner_id, endpoint_id=endpoint_id,
            signing_secret=values.get("signing_secret") or None,
        )  # fmt: skip
        return _endpoint_secret(issued)

    return await _act(post, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}/delete", response_class=HTMLResponse)
async def endpoint_delete_submit(partner_id: str, endpoint_id: str, post: PagePost) -> Response:
    """Remove an endpoint: nothing more is delivered to it."""
    delete = service.delete_webhook_endpoint
    return await _call(post, partner_id, delete, "deleted", endpoint_id=endpoint_id)


@router.post("/{partner_id}/suspend", response_class=HTMLResponse)
async def suspend_submit(partner_id: str, post: PagePost) -> Response:
    """Suspend: every call of the partner's clients is refused from now on."""

    async def work(values: dict[str, str]) -> object:
        return await service.suspend_partner(
            uow=post.uow, partner_id=partner_id, reason=values.get("reason", "")
        )

    return await _act(post, partner_id, work, "suspended")


@router.post("/{partner_id}/reactivate", response_class=HTMLResponse)
async def reactivate_submit(partner_id: str, post: PagePost) -> Response:
    """Serve a suspended partner again."""
    return await _call(post, partner_id, service.reactivate_partner, "reactivated")
