"""Use cases of the partners domain over in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.partners import credentials, service
from handshake.partners.errors import (
    ClientNotFound,
    ClientRevoked,
    InvalidClient,
    InvalidPartnerField,
    NoScopes,
    PartnerAlreadySuspended,
    PartnerNameTaken,
    PartnerNotFound,
    PartnerNotSuspended,
    PartnerSuspended,
    PublicClientHasNoSecret,
    RedirectUriRequired,
    ScopeNotAllowedForKind,
    UnknownClientType,
    UnknownEventType,
    UnknownPartnerKind,
    UnknownScope,
    WebhookUrlTaken,
)
from handshake.partners.events import (
    ClientRevoked as ClientRevokedEvent,
)
from handshake.partners.events import (
    PartnerReactivated,
    PartnerRegistered,
)
from handshake.partners.events import (
    PartnerSuspended as PartnerSuspendedEvent,
)
from handshake.partners.kinds import ClientType, PartnerKind, PartnerStatus
from tests.fakes import FakeUnitOfWork
from tests.partners_helpers import fake_uow

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def _partner(uow: FakeUnitOfWork, kind: str = "social", name: str = "Pixfeed") -> str:
    partner = await service.create_partner(
        uow=uow, name=name, kind=kind, contact_email="Dev@Pixfeed.Example"
    )
    return partner.id


async def test_create_partner_normalises_and_records_event() -> None:
    uow, repo = fake_uow()
    partner = await service.create_partner(
        uow=uow,
        name="  Pix   feed ",
        kind="video",
        contact_email="Dev@Pixfeed.Example",
        contact_name="Ana Ruiz",
        website="https://pixfeed.example",
    )
    assert (partner.name, partner.kind, partner.status) == ("Pix feed", "video", "active")
    assert partner.contact_email == "Dev@pixfeed.example"
    assert partner.id.startswith("ptn_")
    assert list(repo.partners) == [partner.id]
    assert uow.published == [PartnerRegistered(partner_id=partner.id, kind="video")]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "bank"}, UnknownPartnerKind),
        ({"contact_email": "not-an-email"}, InvalidPartnerField),
        ({"name": "   "}, InvalidPartnerField),
        ({"website": "ftp://pixfeed.example"}, InvalidPartnerField),
    ],
)
async def test_create_partner_rejects_bad_fields(fields: dict[str, str], error: type) -> None:
    uow, repo = fake_uow()
    values = {"name": "Pixfeed", "kind": "social", "contact_email": "a@b.example", **fields}
    with pytest.raises(error):
        await service.create_partner(uow=uow, **values)
    assert repo.partners == {}


async def test_duplicate_partner_name_is_a_conflict_and_adds_nothing() -> None:
    uow, repo = fake_uow()
    first = await _partner(uow)
    with pytest.raises(PartnerNameTaken) as caught:
        await _partner(uow)
    assert caught.value.extra == {"name": "Pixfeed"}
    assert list(repo.partners) == [first]


async def test_update_partner_changes_given_fields_only() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    await _partner(uow, name="Other")
    updated = await service.update_partner(
        uow=uow, partner_id=partner_id, contact_name="Lou", website=None
    )
    assert (updated.name, updated.contact_name, updated.website) == ("Pixfeed", "Lou", None)
    with pytest.raises(PartnerNameTaken):
        await service.update_partner(uow=uow, partner_id=partner_id, name="Other")
    assert repo.partners[partner_id].name == "Pixfeed"
    with pytest.raises(PartnerNotFound):
        await service.update_partner(uow=uow, partner_id="ptn_missing", name="X")


async def test_confidential_client_gets_secret_shown_once_and_stored_hashed() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    issued = await service.create_client(
        uow=uow, partner_id=partner_id, redirect_uris=["https://pixfeed.example/cb"]
    )
    assert issued.client_id.startswith("cli_")
    assert issued.client_secret is not None
    assert issued.client_secret.startswith("hss_")
    stored = repo.clients[issued.client_id]
    assert stored.secret_hash == credentials.hash_client_secret(issued.client_secret)
    assert issued.client_secret not in (stored.secret_hash, stored.secret_hint)
    assert stored.allowed_scopes == ["profile", "offers", "checkout", "orders"]
    assert stored.redirect_uris == ["https://pixfeed.example/cb"]
    assert (stored.client_type, stored.name) == ("confidential", "Pixfeed app")


async def test_public_client_has_no_secret_and_needs_a_redirect_uri() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow, kind="device_maker")
    issued = await service.create_client(
        uow=uow,
        partner_id=partner_id,
        client_type="public",
        redirect_uris=["com.thermo.app:/cb"],
        scopes=["devices.query"],
    )
    assert issued.client_secret is None
    assert repo.clients[issued.client_id].secret_hash is None
    with pytest.raises(RedirectUriRequired):
        await service.create_client(uow=uow, partner_id=partner_id, client_type="public")
    with pytest.raises(UnknownClientType):
        await service.create_client(uow=uow, partner_id=partner_id, client_type="secretive")
    assert list(repo.clients) == [issued.client_id]


@pytest.mark.parametrize(
    ("kind", "requested", "error", "scope"),
    [
        ("social", ["profile", "devices.stream"], ScopeNotAllowedForKind, "devices.stream"),
        ("device_maker", ["checkout"], ScopeNotAllowedForKind, "checkout"),
        ("assistant", ["offers", "admin"], UnknownScope, "admin"),
    ],
)
async def test_client_scopes_must_be_allowed_for_the_kind(
    kind: str, requested: list[str], error: type[DomainError], scope: str
) -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow, kind=kind)
    with pytest.raises(error) as caught:
        await service.create_client(uow=uow, partner_id=partner_id, scopes=requested)
    assert caught.value.extra["scope"] == scope
    assert repo.clients == {}
    with pytest.raises(NoScopes):
        await service.create_client(uow=uow, partner_id=partner_id, scopes=[])


async def _client(uow: FakeUnitOfWork, partner_id: str) -> tuple[str, str]:
    issued = await service.create_client(uow=uow, partner_id=partner_id)
    assert issued.client_secret is not None
    return issued.client_id, issued.client_secret


async def test_authenticate_client_accepts_only_good_credentials() -> None:
    uow, _ = fake_uow()
    partner_id = await _partner(uow, kind="assistant")
    client_id, secret = await _client(uow, partner_id)
    principal = await service.authenticate_client(
        uow=uow, client_id=client_id, client_secret=secret
    )
    assert principal == service.PartnerClientPrincipal(
        partner_id=partner_id,
        partner_name="Pixfeed",
        partner_kind=PartnerKind.ASSISTANT,
        client_id=client_id,
        client_name="Pixfeed app",
        client_type=ClientType.CONFIDENTIAL,
        allowed_scopes=("profile", "offers", "checkout", "orders"),
        redirect_uris=(),
    )
    for cid, sec in [(client_id, secret + "x"), ("cli_unknown", secret), (client_id, "")]:
        with pytest.raises(InvalidClient):
            await service.authenticate_client(uow=uow, client_id=cid, client_secret=sec)


async def test_public_client_cannot_authenticate_with_a_secret() -> None:
    uow, _ = fake_uow()
    partner_id = await _partner(uow)
    issued = await service.create_client(
        uow=uow, partner_id=partner_id, client_type="public", redirect_uris=["https://a.ex/cb"]
    )
    with pytest.raises(InvalidClient):
        await service.authenticate_client(uow=uow, client_id=issued.client_id, client_secret="")
    found = await service.get_active_client(uow=uow, client_id=issued.client_id)
    assert found.client_type is ClientType.PUBLIC


async def test_rotation_invalidates_the_old_secret() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    client_id, old = await _client(uow, partner_id)
    with clock.frozen_at(NOW):
        rotated = await service.rotate_client_secret(
            uow=uow, partner_id=partner_id, client_id=client_id
        )
    assert rotated.client_secret not in (None, old)
    assert repo.clients[client_id].secret_rotated_at == NOW
    with pytest.raises(InvalidClient):
        await service.authenticate_client(uow=uow, client_id=client_id, client_secret=old)
    assert rotated.client_secret is not None
    await service.authenticate_client(
        uow=uow, client_id=client_id, client_secret=rotated.client_secret
    )


async def test_revoked_client_cannot_authenticate_or_rotate() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    client_id, secret = await _client(uow, partner_id)
    await service.revoke_client(uow=uow, partner_id=partner_id, client_id=client_id)
    await service.revoke_client(uow=uow, partner_id=partner_id, client_id=client_id)
    assert repo.clients[client_id].status == "revoked"
    assert repo.clients[client_id].secret_hash is None
    revoked_events = [e for e in uow.published if isinstance(e, ClientRevokedEvent)]
    assert revoked_events == [ClientRevokedEvent(partner_id=partner_id, client_id=client_id)]
    with pytest.raises(InvalidClient):
        await service.authenticate_client(uow=uow, client_id=client_id, client_secret=secret)
    with pytest.raises(InvalidClient):
        await service.get_active_client(uow=uow, client_id=client_id)
    with pytest.raises(ClientRevoked):
        await service.rotate_client_secret(uow=uow, partner_id=partner_id, client_id=client_id)


async def test_client_of_another_partner_is_not_found() -> None:
    uow, _ = fake_uow()
    mine = await _partner(uow)
    theirs = await _partner(uow, name="Other")
    client_id, _secret = await _client(uow, theirs)
    with pytest.raises(ClientNotFound):
        await service.revoke_client(uow=uow, partner_id=mine, client_id=client_id)
    public = await service.create_client(
        uow=uow, partner_id=mine, client_type="public", redirect_uris=["https://a.ex/cb"]
    )
    with pytest.raises(PublicClientHasNoSecret):
        await service.rotate_client_secret(uow=uow, partner_id=mine, client_id=public.client_id)


async def test_suspension_blocks_authentication_and_reactivation_restores_it() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    client_id, secret = await _client(uow, partner_id)
    with clock.frozen_at(NOW):
        await service.suspend_partner(uow=uow, partner_id=partner_id, reason=" unpaid  invoices ")
    partner = repo.partners[partner_id]
    assert (partner.status, partner.suspended_at, partner.suspension_reason) == (
        PartnerStatus.SUSPENDED,
        NOW,
        "unpaid invoices",
    )
    with pytest.raises(PartnerSuspended) as caught:
        await service.authenticate_client(uow=uow, client_id=client_id, client_secret=secret)
    assert caught.value.code == "partner_suspended"
    with pytest.raises(PartnerSuspended):
        await service.ensure_partner_active(uow=uow, partner_id=partner_id)
    with pytest.raises(PartnerAlreadySuspended):
        await service.suspend_partner(uow=uow, partner_id=partner_id, reason="again")
    await service.reactivate_partner(uow=uow, partner_id=partner_id)
    assert (partner.status, partner.suspended_at, partner.suspension_reason) == (
        "active",
        None,
        None,
    )
    await service.authenticate_client(uow=uow, client_id=client_id, client_secret=secret)
    with pytest.raises(PartnerNotSuspended):
        await service.reactivate_partner(uow=uow, partner_id=partner_id)
    lifecycle = [e for e in uow.published if not isinstance(e, PartnerRegistered)]
    assert lifecycle == [
        PartnerSuspendedEvent(partner_id=partner_id, reason="unpaid invoices", suspended_at=NOW),
        PartnerReactivated(partner_id=partner_id),
    ]


async def test_suspension_needs_a_reason() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    with pytest.raises(InvalidPartnerField):
        await service.suspend_partner(uow=uow, partner_id=partner_id, reason="  ")
    assert repo.partners[partner_id].status == "active"


async def test_webhook_endpoint_secret_is_returned_once_and_kept_for_signing() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    issued = await service.add_webhook_endpoint(
        uow=uow,
        partner_id=partner_id,
        url="https://pixfeed.example/hooks",
        event_types=["order.created", "link.revoked", "order.created"],
    )
    endpoint = repo.endpoints[issued.endpoint_id]
    assert issued.secret.startswith("whsec_")
    assert endpoint.signing_secret == issued.secret
    assert endpoint.event_types == ["order.created", "link.revoked"]
    assert endpoint.subscribes_to("link.revoked")
    assert not endpoint.subscribes_to("order.updated")
    with pytest.raises(WebhookUrlTaken):
        await service.add_webhook_endpoint(
            uow=uow, partner_id=partner_id, url=endpoint.url, event_types=["order.updated"]
        )
    with pytest.raises(UnknownEventType) as caught:
        await service.add_webhook_endpoint(
            uow=uow, partner_id=partner_id, url="https://p.example/2", event_types=["order.eaten"]
        )
    assert caught.value.extra["event_type"] == "order.eaten"
    assert list(repo.endpoints) == [issued.endpoint_id]


async def test_webhook_rotation_signs_with_both_secrets_for_a_day() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    first = await service.add_webhook_endpoint(
        uow=uow, partner_id=partner_id, url="https://p.example/h", event_types=["order.created"]
    )
    with clock.frozen_at(NOW):
        second = await service.rotate_webhook_secret(
            uow=uow, partner_id=partner_id, endpoint_id=first.endpoint_id
        )
    endpoint = repo.endpoints[first.endpoint_id]
    assert second.secret != first.secret
    assert endpoint.signing_secrets(now=NOW + timedelta(hours=23)) == [second.secret, first.secret]
    assert endpoint.signing_secrets(now=NOW + timedelta(hours=24)) == [second.secret]


async def test_webhook_update_delete_and_delivery_targets() -> None:
    uow, repo = fake_uow()
    partner_id = await _partner(uow)
    a = await service.add_webhook_endpoint(
        uow=uow, partner_id=partner_id, url="https://p.example/a", event_types=["order.created"]
    )
    b = await service.add_webhook_endpoint(
        uow=uow, partner_id=partner_id, url="https://p.example/b", event_types=["order.created"]
    )
    await service.update_webhook_endpoint(
        uow=uow, partner_id=partner_id, endpoint_id=b.endpoint_id, enabled=False
    )
    with pytest.raises(WebhookUrlTaken):
        await service.update_webhook_endpoint(
            uow=uow, partner_id=partner_id, endpoint_id=b.endpoint_id, url="https://p.example/a"
        )
    targets = await service.webhook_endpoints_for(
        uow=uow, partner_id=partner_id, event_type="order.created"
    )
    assert [e.id for e in targets] == [a.endpoint_id]
    await service.suspend_partner(uow=uow, partner_id=partner_id, reason="abuse")
    assert (
        await service.webhook_endpoints_for(
            uow=uow, partner_id=partner_id, event_type="order.created"
        )
        == []
    )
    await service.delete_webhook_endpoint(uow=uow, partner_id=partner_id, endpoint_id=a.endpoint_id)
    assert list(repo.endpoints) == [b.endpoint_id]


async def test_list_partners_filters_by_status_and_kind() -> None:
    uow, _ = fake_uow()
    social = await _partner(uow)
    device = await _partner(uow, kind="device_maker", name="Thermo")
    await service.suspend_partner(uow=uow, partner_id=device, reason="audit")
    all_ids = [p.id for p in await service.list_partners(uow=uow)]
    assert all_ids == sorted([social, device])
    active = await service.list_partners(uow=uow, status=PartnerStatus.ACTIVE)
    assert [p.id for p in active] == [social]
    makers = await service.list_partners(uow=uow, kind=PartnerKind.DEVICE_MAKER)
    assert [p.id for p in makers] == [device]
