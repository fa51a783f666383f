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

from handshake.accounts.admin_deps import PageOperator
from handshake.kernel.errors import DomainError
from handshake.partners import service
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.partners.kinds import ClientType, PartnerKind
from handshake.partners.scopes import SCOPES, scopes_for_kind
from handshake.web.admin_pages import (
    error_status,
    form_lists,
    form_values,
    render_admin,
    see_other,
)
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/partners", include_in_schema=False)
KINDS = [k.value for k in PartnerKind]
CLIENT_TYPES = [t.value for t in ClientType]
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
        "error": error.detail if error else None,
        "error_field": error.extra.get("field") if error else None,
    }  # fmt: skip
    return render_admin(
        request, "partners/admin/register.html", context, section="partners",
        status_code=error_status(error) if error else 200,
    )  # fmt: skip


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
        "client_types": CLIENT_TYPES,
        "error": error.detail if error else None,
        **(extra or {}),
    }
    return render_admin(
        request, "partners/admin/partner.html", context, section="partners",
        status_code=error_status(error) if error else status_code,
        no_store=bool(extra and extra.get("secret")),
    )  # fmt: skip


@router.get("/{partner_id}", response_class=HTMLResponse)
async def partner_page(
    partner_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """A partner: details, clients, scopes, webhook endpoints, suspension."""
    return await _partner_page(request, operator, uow, partner_id)


async def _act(
    request: Request, operator: PageOperator, reader: ReadUow, partner_id: str, work: Work,
    done: str = "saved",
) -> Response:  # fmt: skip
    """Run ``work``; a secret it returns is shown once, anything else redirects back."""
    values = await form_values(request)
    try:
        secret = await work(values)
    except DomainError as error:
        extra = {"error_form": values.get("form"), "values": values}
        return await _partner_page(request, operator, reader, partner_id, extra=extra, error=error)
    if isinstance(secret, dict):
        return await _partner_page(
            request, operator, reader, partner_id, extra=secret, status_code=201
        )
    return see_other(f"/admin/partners/{partner_id}?done={done}")


@router.post("/{partner_id}/clients", response_class=HTMLResponse)
async def client_create_submit(
    partner_id: str, request: Request, operator: PageOperator, uow: WriteUow, reader: ReadUow
) -> Response:
    """A new OAuth client (its secret shown once when confidential)."""
    scopes = await form_lists(request, "scopes")

    async def work(values: dict[str, str]) -> object:
        issued = await service.create_client(
            uow=uow, partner_id=partner_id, client_type=values.get("client_type", ""),
            redirect_uris=_lines(values.get("redirect_uris", "")), scopes=scopes or None,
            name=values.get("client_name") or None,
        )  # fmt: skip
        return {"secret": issued.client_secret, "secret_of": issued.client_id, "new": True}

    return await _act(request, operator, reader, partner_id, work)


@router.post("/{partner_id}/clients/{client_id}/rotate", response_class=HTMLResponse)
async def client_rotate_submit(
    partner_id: str, client_id: str, request: Request, operator: PageOperator,
    uow: WriteUow, reader: ReadUow,
) -> Response:  # fmt: skip
    """A new client secret; the old one stops working at once."""

    async def work(values: dict[str, str]) -> object:
        issued = await service.rotate_client_secret(
            uow=uow, partner_id=partner_id, client_id=client_id
        )
        return {"secret": issued.client_secret, "secret_of": issued.client_id}

    return await _act(request, operator, reader, partner_id, work)


@router.post("/{partner_id}/clients/{client_id}/revoke", response_class=HTMLResponse)
async def client_revoke_submit(
    partner_id: str, client_id: str, request: Request, operator: PageOperator,
    uow: WriteUow, reader: ReadUow,
) -> Response:  # fmt: skip
    """Revoke a client for good."""

    async def work(values: dict[str, str]) -> object:
        return await service.revoke_client(uow=uow, partner_id=partner_id, client_id=client_id)

    return await _act(request, operator, reader, partner_id, work, "revoked")


@router.post("/{partner_id}/endpoints", response_class=HTMLResponse)
async def endpoint_add_submit(
    partner_id: str, request: Request, operator: PageOperator, uow: WriteUow, reader: ReadUow
) -> Response:
    """A new webhook endpoint; its signing secret is shown once."""
    event_types = await form_lists(request, "event_types")

    async def work(values: dict[str, str]) -> object:
        issued = await service.add_webhook_endpoint(
            uow=uow, partner_id=partner_id, url=values.get("url", "").strip(),
            event_types=event_types, description=values.get("description") or None,
        )  # fmt: skip
        return {"secret": issued.secret, "secret_of": issued.endpoint_id, "new": True}

    return await _act(request, operator, reader, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}", response_class=HTMLResponse)
async def endpoint_update_submit(
    partner_id: str, endpoint_id: str, request: Request, operator: PageOperator,
    uow: WriteUow, reader: ReadUow,
) -> Response:  # fmt: skip
    """Change an endpoint's event types and whether it is enabled."""
    event_types = await form_lists(request, "event_types")

    async def work(values: dict[str, str]) -> object:
        return await service.update_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id,
            event_types=event_types, enabled=values.get("enabled") == "on",
        )  # fmt: skip

    return await _act(request, operator, reader, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}/rotate", response_class=HTMLResponse)
async def endpoint_rotate_submit(
    partner_id: str, endpoint_id: str, request: Request, operator: PageOperator,
    uow: WriteUow, reader: ReadUow,
) -> Response:  # fmt: skip
    """A new signing secret (the previous one keeps signing for a day)."""

    async def work(values: dict[str, str]) -> object:
        issued = await service.rotate_webhook_secret(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id
        )
        return {"secret": issued.secret, "secret_of": issued.endpoint_id}

    return await _act(request, operator, reader, partner_id, work)


@router.post("/{partner_id}/endpoints/{endpoint_id}/delete", response_class=HTMLResponse)
async def endpoint_delete_submit(
    partner_id: str, endpoint_id: str, request: Request, operator: PageOperator,
    uow: WriteUow, reader: ReadUow,
) -> Response:  # fmt: skip
    """Remove an endpoint: nothing more is delivered to it."""

    async def work(values: dict[str, str]) -> object:
        await service.delete_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=endpoint_id
        )
        return None

    return await _act(request, operator, reader, partner_id, work, "deleted")


@router.post("/{partner_id}/suspend", response_class=HTMLResponse)
async def suspend_submit(
    partner_id: str, request: Request, operator: PageOperator, uow: WriteUow, reader: ReadUow
) -> Response:
    """Suspend: every call of the partner's clients is refused from now on."""

    async def work(values: dict[str, str]) -> object:
        return await service.suspend_partner(
            uow=uow, partner_id=partner_id, reason=values.get("reason", "")
        )

    return await _act(request, operator, reader, partner_id, work, "suspended")


@router.post("/{partner_id}/reactivate", response_class=HTMLResponse)
async def reactivate_submit(
    partner_id: str, request: Request, operator: PageOperator, uow: WriteUow, reader: ReadUow
) -> Response:
    """Serve a suspended partner again."""

    async def work(values: dict[str, str]) -> object:
        return await service.reactivate_partner(uow=uow, partner_id=partner_id)

    return await _act(request, operator, reader, partner_id, work, "reactivated")
