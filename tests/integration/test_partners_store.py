"""The partners domain on SQLite and PostgreSQL: constraints, transactions, credentials."""

from __future__ import annotations

from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.kernel.errors import Conflict
from handshake.partners import service
from handshake.partners.errors import (
    InvalidClient,
    PartnerNameTaken,
    PartnerSuspended,
    ScopeNotAllowedForKind,
)
from handshake.partners.events import PartnerReactivated
from handshake.partners.events import PartnerSuspended as SuspendedEvent
from handshake.partners.models import Partner, WebhookEndpoint
from handshake.partners.repository import PartnerRepository


async def _register(container: Container, name: str = "Pixfeed", **kw: Any) -> tuple[str, str, str]:
    partner, issued = await service.register_partner(
        uow=container.uow(),
        name=name,
        kind=kw.pop("kind", "social"),
        contact_email="dev@pixfeed.example",
        redirect_uris=["https://pixfeed.example/cb", "http://127.0.0.1:8765/cb"],
        **kw,
    )
    assert issued.client_secret is not None
    return partner.id, issued.client_id, issued.client_secret


async def test_registered_partner_and_client_round_trip(container: Container) -> None:
    partner_id, client_id, secret = await _register(container, scopes=["offers", "profile"])
    principal = await service.authenticate_client(
        uow=container.read_uow(), client_id=client_id, client_secret=secret
    )
    assert (principal.partner_id, principal.partner_name, principal.client_id) == (
        partner_id,
        "Pixfeed",
        client_id,
    )
    assert principal.allowed_scopes == ("offers", "profile")
    assert principal.redirect_uris == ("https://pixfeed.example/cb", "http://127.0.0.1:8765/cb")
    clients = await service.list_clients(uow=container.read_uow(), partner_id=partner_id)
    assert [(c.id, c.client_type, c.status) for c in clients] == [
        (client_id, "confidential", "active")
    ]
    assert clients[0].created_at.tzinfo is not None


async def test_failed_client_leaves_no_partner_behind(container: Container) -> None:
    with pytest.raises(ScopeNotAllowedForKind):
        await _register(container, scopes=["devices.stream"])
    assert await service.list_partners(uow=container.read_uow()) == []


async def test_partner_name_is_unique_in_the_database(container: Container) -> None:
    await _register(container)
    uow = container.uow()
    with pytest.raises(PartnerNameTaken):
        async with uow:
            repo = uow.repo(PartnerRepository)
            # Skips the service's pre-check, as a concurrent request would: the constraint holds.
            repo.add(Partner(id="ptn_dup", name="Pixfeed", kind="video", contact_email="a@b.c"))
            await repo.flush_unique(PartnerNameTaken("taken"))
    with pytest.raises(PartnerNameTaken):
        await _register(container)
    assert len(await service.list_partners(uow=container.read_uow())) == 1


async def test_webhook_url_is_unique_per_partner_in_the_database(container: Container) -> None:
    partner_id, _, _ = await _register(container)
    other_id, _, _ = await _register(container, name="Other")
    url = "https://hooks.example/in"
    first = await service.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner_id, url=url, event_types=["order.created"]
    )
    await service.add_webhook_endpoint(
        uow=container.uow(), partner_id=other_id, url=url, event_types=["order.created"]
    )
    uow = container.uow()
    with pytest.raises(Conflict):
        async with uow:
            repo = uow.repo(PartnerRepository)
            repo.add(
                WebhookEndpoint(
                    id="whe_dup",
                    partner_id=partner_id,
                    url=url,
                    event_types=["order.updated"],
                    signing_secret="whsec_x",
                    enabled=True,
                )
            )
            await repo.flush_unique(Conflict("dup"))
    mine = await service.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner_id)
    assert [(e.id, e.event_types, e.enabled) for e in mine] == [
        (first.endpoint_id, ["order.created"], True)
    ]
    assert mine[0].signing_secret == first.secret


async def test_suspension_takes_effect_on_the_very_next_call(container: Container) -> None:
    seen: list[object] = []
    container.bus.subscribe(SuspendedEvent, seen.append)
    container.bus.subscribe(PartnerReactivated, seen.append)
    partner_id, client_id, secret = await _register(container)
    await service.authenticate_client(
        uow=container.read_uow(), client_id=client_id, client_secret=secret
    )
    await service.suspend_partner(uow=container.uow(), partner_id=partner_id, reason="fraud")
    with pytest.raises(PartnerSuspended):
        await service.authenticate_client(
            uow=container.read_uow(), client_id=client_id, client_secret=secret
        )
    stored = await service.get_partner(uow=container.read_uow(), partner_id=partner_id)
    assert (stored.status, stored.suspension_reason) == ("suspended", "fraud")
    assert stored.suspended_at is not None
    await service.reactivate_partner(uow=container.uow(), partner_id=partner_id)
    await service.authenticate_client(
        uow=container.read_uow(), client_id=client_id, client_secret=secret
    )
    assert [type(e) for e in seen] == [SuspendedEvent, PartnerReactivated]


async def test_rotating_the_secret_invalidates_the_old_one(container: Container) -> None:
    partner_id, client_id, old = await _register(container)
    rotated = await service.rotate_client_secret(
        uow=container.uow(), partner_id=partner_id, client_id=client_id
    )
    assert rotated.client_secret is not None
    with pytest.raises(InvalidClient):
        await service.authenticate_client(
            uow=container.read_uow(), client_id=client_id, client_secret=old
        )
    principal = await service.authenticate_client(
        uow=container.read_uow(), client_id=client_id, client_secret=rotated.client_secret
    )
    assert principal.client_id == client_id


async def test_revoked_client_is_refused(container: Container) -> None:
    partner_id, client_id, secret = await _register(container)
    await service.revoke_client(uow=container.uow(), partner_id=partner_id, client_id=client_id)
    with pytest.raises(InvalidClient):
        await service.authenticate_client(
            uow=container.read_uow(), client_id=client_id, client_secret=secret
        )


async def test_webhook_endpoint_update_rotate_and_delete(container: Container) -> None:
    partner_id, _, _ = await _register(container)
    issued = await service.add_webhook_endpoint(
        uow=container.uow(),
        partner_id=partner_id,
        url="https://hooks.example/a",
        event_types=["order.created"],
        description="orders",
    )
    updated = await service.update_webhook_endpoint(
        uow=container.uow(),
        partner_id=partner_id,
        endpoint_id=issued.endpoint_id,
        event_types=["link.revoked", "consent.updated"],
        enabled=False,
    )
    assert (updated.event_types, updated.enabled, updated.description) == (
        ["link.revoked", "consent.updated"],
        False,
        "orders",
    )
    rotated = await service.rotate_webhook_secret(
        uow=container.uow(), partner_id=partner_id, endpoint_id=issued.endpoint_id
    )
    [stored] = await service.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner_id)
    assert (stored.signing_secret, stored.previous_signing_secret) == (
        rotated.secret,
        issued.secret,
    )
    assert stored.previous_secret_expires_at is not None
    await service.delete_webhook_endpoint(
        uow=container.uow(), partner_id=partner_id, endpoint_id=issued.endpoint_id
    )
    assert (
        await service.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner_id) == []
    )
