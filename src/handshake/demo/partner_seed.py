"""Demo partners: one per kind, each with a confidential OAuth client and a webhook endpoint."""

from __future__ import annotations

from handshake.demo.people import PARTNERS, DemoPartner
from handshake.demo.report import DemoReport, PartnerCredentials
from handshake.partners import service as partners
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.web.runtime import AppServices


async def _ensure_partner(services: AppServices, demo: DemoPartner, report: DemoReport) -> None:
    existing = {p.name: p for p in await partners.list_partners(uow=services.read_uow())}
    partner = existing.get(demo.name)
    client_id, client_secret = None, None
    if partner is None:
        partner, issued = await partners.register_partner(
            uow=services.uow(),
            name=demo.name,
            kind=demo.kind,
            contact_email=demo.contact_email,
            redirect_uris=[demo.redirect_uri],
            scopes=list(demo.scopes),
        )
        client_id, client_secret = issued.client_id, issued.client_secret
    else:
        clients = await partners.list_clients(uow=services.read_uow(), partner_id=partner.id)
        live = [c for c in clients if not c.is_revoked]
        if live:
            client_id = live[0].id
        else:
            issued = await partners.create_client(
                uow=services.uow(),
                partner_id=partner.id,
                redirect_uris=[demo.redirect_uri],
                scopes=list(demo.scopes),
            )
            client_id, client_secret = issued.client_id, issued.client_secret
    webhook_secret = await _ensure_webhook(services, partner.id, demo)
    report.note(f"partner {demo.name}", created=client_secret is not None)
    report.partners.append(
        PartnerCredentials(
            name=demo.name,
            kind=demo.kind,
            client_id=client_id,
            redirect_uri=demo.redirect_uri,
            scopes=demo.scopes,
            client_secret=client_secret,
            webhook_url=demo.webhook_url,
            webhook_secret=webhook_secret,
        )
    )


async def _ensure_webhook(services: AppServices, partner_id: str, demo: DemoPartner) -> str | None:
    endpoints = await partners.list_webhook_endpoints(
        uow=services.read_uow(), partner_id=partner_id
    )
    if any(e.url == demo.webhook_url for e in endpoints):
        return None
    # Only the event types some domain registered so far (later domains add theirs).
    event_types = [e for e in demo.event_types if e in WEBHOOK_EVENT_TYPES]
    issued = await partners.add_webhook_endpoint(
        uow=services.uow(),
        partner_id=partner_id,
        url=demo.webhook_url,
        event_types=event_types,
        description=f"{demo.name} demo app",
    )
    return issued.secret


async def ensure_partners(services: AppServices, report: DemoReport) -> None:
    """Create the demo partners that do not exist yet; report every partner's client."""
    for demo in PARTNERS:
        await _ensure_partner(services, demo, report)
