"""Demo partners: one per kind, each with a confidential OAuth client and a webhook endpoint
(the AI agent's platform, Shoply, an ACP one: order events signed with ``Merchant-Signature``).

The device maker also gets its directive endpoint, registered through the devices service as an
operator would. With a credentials file, every secret the demo apps need ends up in it: secrets
the file lost are rotated (the platform only keeps hashes), so ``demo serve`` can always start.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.demo.credentials_file import SavedPartner
from handshake.demo.people import PARTNERS, DemoPartner
from handshake.demo.report import DemoReport, PartnerCredentials
from handshake.devices import service as devices
from handshake.partners import service as partners
from handshake.partners.event_types import WEBHOOK_EVENT_TYPES
from handshake.partners.models import Partner, WebhookEndpoint
from handshake.web.runtime import AppServices


@dataclass(frozen=True)
class _Secret:
    """A secret: issued by this run (print it) or known from the credentials file."""

    value: str | None
    issued: bool

    @classmethod
    def new(cls, value: str | None) -> _Secret:
        """A secret issued now."""
        return cls(value, issued=value is not None)


async def _client(
    services: AppServices, partner: Partner, demo: DemoPartner, saved: SavedPartner | None,
    rotate: bool,
) -> tuple[str, _Secret]:  # fmt: skip
    """The partner's live client and its secret (rotated when unknown and ``rotate``)."""
    clients = await partners.list_clients(uow=services.read_uow(), partner_id=partner.id)
    live = [c for c in clients if not c.is_revoked]
    if not live:
        issued = await partners.create_client(
            uow=services.uow(), partner_id=partner.id, redirect_uris=[demo.redirect_uri],
            scopes=list(demo.scopes),
        )  # fmt: skip
        return issued.client_id, _Secret.new(issued.client_secret)
    client_id = live[0].id
    if saved is not None and saved.client_id == client_id and saved.client_secret:
        return client_id, _Secret(saved.client_secret, issued=False)
    if not rotate:
        return client_id, _Secret(None, issued=False)
    rotated = await partners.rotate_client_secret(
        uow=services.uow(), partner_id=partner.id, client_id=client_id
    )
    return client_id, _Secret.new(rotated.client_secret)


async def _demo_endpoint(
    services: AppServices, partner_id: str, demo: DemoPartner
) -> WebhookEndpoint | None:
    """The endpoint at the app's webhook URL with the app's signature scheme. Endpoints an older
    demo left on the app (another path or scheme) are removed: nobody listens there now."""
    endpoints = await partners.list_webhook_endpoints(
        uow=services.read_uow(), partner_id=partner_id
    )
    current = None
    for endpoint in endpoints:
        if endpoint.url == demo.webhook_url and endpoint.signature_scheme == demo.signature_scheme:
            current = endpoint
        elif endpoint.url.startswith(f"{demo.base_url}/"):
            await partners.delete_webhook_endpoint(
                uow=services.uow(), partner_id=partner_id, endpoint_id=endpoint.id
            )
    return current


async def _webhook(
    services: AppServices, partner_id: str, demo: DemoPartner, saved: SavedPartner | None,
    rotate: bool,
) -> _Secret:  # fmt: skip
    """The demo endpoint's signing secret; existing endpoints get the demo's event types."""
    # Only the event types some domain registered so far (later domains add theirs).
    event_types = [e for e in demo.event_types if e in WEBHOOK_EVENT_TYPES]
    endpoint = await _demo_endpoint(services, partner_id, demo)
    if endpoint is None:
        issued = await partners.add_webhook_endpoint(
            uow=services.uow(), partner_id=partner_id, url=demo.webhook_url,
            event_types=event_types, description=f"{demo.name} demo app",
            signature_scheme=demo.signature_scheme,
        )  # fmt: skip
        return _Secret.new(issued.secret)
    if sorted(endpoint.event_types) != sorted(event_types):
        await partners.update_webhook_endpoint(
            uow=services.uow(), partner_id=partner_id, endpoint_id=endpoint.id,
            event_types=event_types,
        )  # fmt: skip
    if saved is not None and saved.webhook_secret:
        return _Secret(saved.webhook_secret, issued=False)
    if not rotate:
        return _Secret(None, issued=False)
    rotated = await partners.rotate_webhook_secret(
        uow=services.uow(), partner_id=partner_id, endpoint_id=endpoint.id
    )
    return _Secret.new(rotated.secret)


async def _directives(
    services: AppServices, partner_id: str, demo: DemoPartner, saved: SavedPartner | None,
    register: bool,
) -> _Secret:  # fmt: skip
    """Where the device maker receives directives (each registration issues a new secret)."""
    if demo.kind != "device_maker":
        return _Secret(None, issued=False)
    if not register:
        return _Secret(saved.directive_secret if saved else None, issued=False)
    row = await devices.set_directive_endpoint(
        uow=services.uow(), partner_id=partner_id, url=demo.directive_url
    )
    return _Secret.new(row.signing_secret)


async def _partner(services: AppServices, demo: DemoPartner) -> tuple[Partner, str | None]:
    """The demo partner (registered now with its client and its secret, when missing)."""
    existing = {p.name: p for p in await partners.list_partners(uow=services.read_uow())}
    partner = existing.get(demo.name)
    if partner is not None:
        return partner, None
    partner, issued = await partners.register_partner(
        uow=services.uow(), name=demo.name, kind=demo.kind, contact_email=demo.contact_email,
        redirect_uris=[demo.redirect_uri], scopes=list(demo.scopes),
    )  # fmt: skip
    return partner, issued.client_secret


async def _ensure_partner(
    services: AppServices, demo: DemoPartner, report: DemoReport, saved: SavedPartner | None,
    rotate: bool,
) -> SavedPartner:  # fmt: skip
    partner, first_secret = await _partner(services, demo)
    created = first_secret is not None
    if created:
        saved = None  # a new partner: whatever the file said belongs to an older store
        clients = await partners.list_clients(uow=services.read_uow(), partner_id=partner.id)
        client_id, client = clients[0].id, _Secret.new(first_secret)
    else:
        client_id, client = await _client(services, partner, demo, saved, rotate)
    webhook = await _webhook(services, partner.id, demo, saved, rotate)
    lost = saved is None or not saved.directive_secret
    directive = await _directives(services, partner.id, demo, saved, created or (rotate and lost))
    report.note(f"partner {demo.name}", created=created)
    report.partners.append(PartnerCredentials(
        name=demo.name, kind=demo.kind, client_id=client_id, redirect_uri=demo.redirect_uri,
        scopes=demo.scopes, client_secret=client.value if client.issued else None,
        webhook_url=demo.webhook_url, webhook_secret=webhook.value if webhook.issued else None,
        partner_id=partner.id,
        directive_secret=directive.value if directive.issued else None,
    ))  # fmt: skip
    return SavedPartner(
        name=demo.name, kind=demo.kind, partner_id=partner.id, client_id=client_id,
        client_secret=client.value, webhook_secret=webhook.value,
        directive_secret=directive.value,
    )  # fmt: skip


async def ensure_partners(
    services: AppServices, report: DemoReport, saved: dict[str, SavedPartner] | None = None
) -> list[SavedPartner]:
    """Create the demo partners that do not exist yet; report every partner's client.

    With ``saved`` (the credentials file's content), secrets missing from it are rotated so
    every one is known afterwards; the partners' credentials are returned to be saved.
    """
    rotate = saved is not None
    known = saved or {}
    return [
        await _ensure_partner(services, demo, report, known.get(demo.name), rotate)
        for demo in PARTNERS
    ]
