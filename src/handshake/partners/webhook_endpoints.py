"""Use cases for partners' webhook endpoints (re-exported by ``service``).

The signing secret is returned only by creation and rotation; the webhook sender reads it from
the entity to sign deliveries (HMAC-SHA256, framed by the endpoint's signature scheme: Standard
Webhooks, or ACP's ``Merchant-Signature``). An ACP endpoint may be given the secret the agent
platform issued instead of a generated one, at creation and at rotation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.partners import credentials, endpoint_urls
from handshake.partners import registration_rules as rules
from handshake.partners.errors import WebhookUrlTaken
from handshake.partners.models import SignatureScheme, WebhookEndpoint
from handshake.partners.repository import PartnerRepository
from handshake.partners.updates import KEEP, Keep

# How long deliveries keep being signed with the previous secret too, so receivers can switch.
WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class IssuedWebhookEndpoint:
    """A created or re-keyed webhook endpoint with its signing secret, shown this once."""

    endpoint_id: str
    secret: str
    endpoint: WebhookEndpoint


async def add_webhook_endpoint(
    *,
    uow: UnitOfWork,
    partner_id: str,
    url: str,
    event_types: Sequence[str],
    enabled: bool = True,
    description: str | None = None,
    signature_scheme: SignatureScheme | str = SignatureScheme.STANDARD_WEBHOOKS,
    signing_secret: str | None = None,
) -> IssuedWebhookEndpoint:
    """Register a webhook endpoint; its signing secret is returned this once.

    ``signing_secret`` is for ACP endpoints only: the secret the agent platform issued (one is
    generated when omitted).
    """
    url = endpoint_urls.validate_webhook_url(url)
    scheme = rules.parse_signature_scheme(signature_scheme)
    subscribed = rules.check_event_types(event_types, scheme)
    given = rules.check_given_secret(scheme, signing_secret)
    async with uow:
        repo = uow.repo(PartnerRepository)
        partner = await repo.require_partner(partner_id)
        taken = WebhookUrlTaken(
            f"Partner {partner_id!r} already has an endpoint at {url!r}.", extra={"url": url}
        )
        if await repo.endpoint_by_url(partner.id, url) is not None:
            raise taken
        secret = given or credentials.new_webhook_secret()
        endpoint = WebhookEndpoint(
            id=new_id("whe"),
            partner_id=partner.id,
            url=url,
            description=description or None,
            event_types=subscribed,
            signature_scheme=scheme,
            signing_secret=secret,
            enabled=enabled,
        )
        repo.add(endpoint)
        await repo.flush_unique(taken)
        await uow.commit()
    return IssuedWebhookEndpoint(endpoint_id=endpoint.id, secret=secret, endpoint=endpoint)


async def list_webhook_endpoints(*, uow: UnitOfWork, partner_id: str) -> list[WebhookEndpoint]:
    """The partner's webhook endpoints, oldest first."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        await repo.require_partner(partner_id)
        return list(await repo.list_endpoints(partner_id))


async def update_webhook_endpoint(
    *,
    uow: UnitOfWork,
    partner_id: str,
    endpoint_id: str,
    url: str | Keep = KEEP,
    event_types: Sequence[str] | Keep = KEEP,
    enabled: bool | Keep = KEEP,
    description: str | Keep | None = KEEP,
) -> WebhookEndpoint:
    """Change an endpoint's URL, subscriptions, description or enabled flag."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        endpoint = await repo.require_endpoint(partner_id, endpoint_id)
        taken = WebhookUrlTaken(f"Partner {partner_id!r} already has an endpoint at that URL.")
        if not isinstance(url, Keep):
            url = endpoint_urls.validate_webhook_url(url)
            other = await repo.endpoint_by_url(partner_id, url)
            if other is not None and other.id != endpoint.id:
                raise WebhookUrlTaken(taken.detail, extra={"url": url})
            endpoint.url = url
        if not isinstance(event_types, Keep):
            endpoint.event_types = rules.check_event_types(event_types, endpoint.scheme)
        if not isinstance(enabled, Keep):
            endpoint.enabled = enabled
        if not isinstance(description, Keep):
            endpoint.description = description or None
        await repo.flush_unique(taken)
        await uow.commit()
    return endpoint


async def rotate_webhook_secret(
    *, uow: UnitOfWork, partner_id: str, endpoint_id: str, signing_secret: str | None = None
) -> IssuedWebhookEndpoint:
    """A new signing secret; deliveries carry both signatures for WEBHOOK_SECRET_OVERLAP.

    ``signing_secret`` is for ACP endpoints only: the new secret the agent platform issued.
    """
    async with uow:
        endpoint = await uow.repo(PartnerRepository).require_endpoint(partner_id, endpoint_id)
        given = rules.check_given_secret(endpoint.scheme, signing_secret)
        secret = given or credentials.new_webhook_secret()
        endpoint.rotate_secret(
            new_secret=secret, previous_valid_until=clock.now() + WEBHOOK_SECRET_OVERLAP
        )
        await uow.commit()
    return IssuedWebhookEndpoint(endpoint_id=endpoint.id, secret=secret, endpoint=endpoint)


async def delete_webhook_endpoint(*, uow: UnitOfWork, partner_id: str, endpoint_id: str) -> None:
    """Remove an endpoint; nothing more is delivered to it."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        await repo.delete_endpoint(await repo.require_endpoint(partner_id, endpoint_id))
        await uow.commit()


async def webhook_endpoints_for(
    *, uow: UnitOfWork, partner_id: str, event_type: str
) -> list[WebhookEndpoint]:
    """Enabled endpoints of an active partner subscribed to ``event_type`` (for the sender)."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        partner = await repo.require_partner(partner_id)
        if not partner.is_active:
            return []
        return [e for e in await repo.list_endpoints(partner_id) if e.subscribes_to(event_type)]
