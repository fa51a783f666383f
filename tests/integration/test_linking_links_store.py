"""The links use cases on SQLite and PostgreSQL: approvals and receipts, ownership, unlinking."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.linking import links
from handshake.linking.errors import LinkNotFound, ReceiptNotFound
from handshake.linking.policy import LinkingPolicy
from handshake.linking.secrets_format import pairwise_subject
from handshake.partners import service as partners
from handshake.partners.service import PartnerClientPrincipal
from handshake.webhooks import service as webhooks
from tests.accounts_helpers import PASSWORD, policy_of
from tests.linking_helpers import FROZEN_START, register_app, row_counts

START = FROZEN_START


async def _shopper(container: Container, email: str) -> str:
    shopper = await accounts.sign_up(
        uow=container.uow(), email=email, password=PASSWORD, password_policy=policy_of(container)
    )
    return shopper.id


async def _client(container: Container) -> PartnerClientPrincipal:
    app = await register_app(container)
    return await partners.get_active_client(uow=container.uow(), client_id=app.client_id)


@pytest.fixture
def policy(container: Container) -> LinkingPolicy:
    """The linking policy of the container's settings."""
    return LinkingPolicy.from_settings(container.settings)


async def _approve(
    container: Container,
    policy: LinkingPolicy,
    shopper_id: str,
    client: PartnerClientPrincipal,
    scopes: list[str],
) -> links.ApprovedLink:
    return await links.approve_link(
        uow=container.uow(),
        policy=policy,
        shopper_id=shopper_id,
        client=client,
        scopes=scopes,
        language="en",
    )


async def test_approving_the_same_scopes_again_issues_no_second_receipt(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    client = await _client(container)
    first = await _approve(container, policy, shopper_id, client, ["profile", "offers"])

    again = await _approve(container, policy, shopper_id, client, ["offers", "profile"])

    assert again.grant.id == first.grant.id
    assert (again.scopes_added, again.receipt_id) == ([], None)
    view = await links.get_link(
        uow=container.read_uow(), shopper_id=shopper_id, grant_id=first.grant.id
    )
    assert [r.id for r in view.receipts] == [first.receipt_id]
    assert [e.kind for e in view.recent] == ["linked"]


async def test_widening_a_link_issues_a_receipt_flagging_only_the_added_scope(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    client = await _client(container)
    first = await _approve(container, policy, shopper_id, client, ["profile", "offers"])

    widened = await _approve(container, policy, shopper_id, client, ["offers", "checkout"])

    assert widened.scopes_added == ["checkout"]
    assert widened.grant.scopes == ["profile", "offers", "checkout"]
    view = await links.get_link(
        uow=container.read_uow(), shopper_id=shopper_id, grant_id=first.grant.id
    )
    assert [r.id for r in view.receipts] == [first.receipt_id, widened.receipt_id]
    flags = [(s["scope"], s["added_by_this_approval"]) for s in view.receipts[1].document["scopes"]]
    assert flags == [("profile", False), ("offers", False), ("checkout", True)]
    first_flags = [s["added_by_this_approval"] for s in view.receipts[0].document["scopes"]]
    assert first_flags == [True, True]
    assert [e.kind for e in view.recent] == ["scopes_added", "linked"]


async def test_a_new_link_is_linked_now_and_not_yet_amended(
    container: Container, policy: LinkingPolicy
) -> None:
    # Regression: the first approval stamped amended_at, and linked_at came a little later.
    shopper_id = await _shopper(container, "camille@example.com")
    client = await _client(container)
    with clock.frozen_at(START):
        approved = await _approve(container, policy, shopper_id, client, ["profile"])
        clock.advance(timedelta(minutes=5))
        await _approve(container, policy, shopper_id, client, ["profile"])

    view = await links.get_link(
        uow=container.read_uow(), shopper_id=shopper_id, grant_id=approved.grant.id
    )
    assert view.grant.created_at == START
    assert view.grant.amended_at is None
    assert view.grant.expires_at == START + timedelta(days=365)


async def test_an_expired_link_is_replaced_by_a_new_one_on_approval(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    client = await _client(container)
    with clock.frozen_at(START):
        old = await _approve(container, policy, shopper_id, client, ["profile"])
        clock.advance(timedelta(days=365))
        new = await _approve(container, policy, shopper_id, client, ["profile"])

        views = await links.list_links(uow=container.read_uow(), shopper_id=shopper_id)

    assert new.grant.id != old.grant.id
    assert new.receipt_id is not None
    assert [(v.grant.id, v.status) for v in views] == [
        (new.grant.id, "active"),
        (old.grant.id, "expired"),
    ]


async def test_another_shopper_can_neither_read_nor_unlink_nor_download_my_link(
    container: Container, policy: LinkingPolicy
) -> None:
    mine = await _shopper(container, "camille@example.com")
    theirs = await _shopper(container, "mallory@example.com")
    client = await _client(container)
    approved = await _approve(container, policy, mine, client, ["profile"])
    assert approved.receipt_id is not None
    before = await row_counts(container)

    with pytest.raises(LinkNotFound):
        await links.get_link(
            uow=container.read_uow(), shopper_id=theirs, grant_id=approved.grant.id
        )
    with pytest.raises(LinkNotFound):
        await links.unlink(
            uow=container.uow(), policy=policy, shopper_id=theirs, grant_id=approved.grant.id
        )
    with pytest.raises(ReceiptNotFound):
        await links.get_receipt(
            uow=container.read_uow(),
            shopper_id=theirs,
            grant_id=approved.grant.id,
            receipt_id=approved.receipt_id,
        )

    assert await row_counts(container) == before
    view = await links.get_link(
        uow=container.read_uow(), shopper_id=mine, grant_id=approved.grant.id
    )
    assert view.status == "active"


async def test_a_receipt_is_only_found_under_its_own_link(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    first = await _approve(container, policy, shopper_id, await _client(container), ["profile"])
    second = await _approve(container, policy, shopper_id, await _client(container), ["profile"])
    assert first.receipt_id is not None

    with pytest.raises(ReceiptNotFound):
        await links.get_receipt(
            uow=container.read_uow(),
            shopper_id=shopper_id,
            grant_id=second.grant.id,
            receipt_id=first.receipt_id,
        )


async def test_unlinking_publishes_link_revoked_with_the_pairwise_subject(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    client = await _client(container)
    with clock.frozen_at(START):
        approved = await _approve(container, policy, shopper_id, client, ["profile"])
        grant = await links.unlink(
            uow=container.uow(), policy=policy, shopper_id=shopper_id, grant_id=approved.grant.id
        )

    assert (grant.status, grant.revoked_by, grant.revoke_reason) == (
        "revoked",
        "shopper",
        "unlinked",
    )
    page = await webhooks.list_events(
        uow=container.read_uow(), partner_id=client.partner_id, event_types=["link.revoked"]
    )
    assert len(page.items) == 1
    body = json.loads(page.items[0].event.body)
    subject = pairwise_subject(
        key=policy.subject_key, partner_id=client.partner_id, shopper_id=shopper_id
    )
    assert body == {
        "type": "link.revoked",
        "timestamp": "2029-03-01T09:00:00.000Z",
        "data": {
            "link_id": approved.grant.id,
            "sub": subject,
            "revoked_at": START.isoformat(),
            "revoked_by": "shopper",
            "reason": "unlinked",
        },
    }


async def test_erasing_a_shopper_ends_every_live_link_and_tells_each_partner(
    container: Container, policy: LinkingPolicy
) -> None:
    shopper_id = await _shopper(container, "camille@example.com")
    first, second = await _client(container), await _client(container)
    await _approve(container, policy, shopper_id, first, ["profile"])
    await _approve(container, policy, shopper_id, second, ["profile"])

    ended = await links.end_links_of_shopper(
        uow=container.uow(), policy=policy, shopper_id=shopper_id, reason="account_erased"
    )

    assert ended == 2
    views = await links.list_links(uow=container.read_uow(), shopper_id=shopper_id)
    assert {(v.status, v.grant.revoked_by, v.grant.revoke_reason) for v in views} == {
        ("revoked", "system", "account_erased")
    }
    for client in (first, second):
        page = await webhooks.list_events(
            uow=container.read_uow(), partner_id=client.partner_id, event_types=["link.revoked"]
        )
        assert len(page.items) == 1
