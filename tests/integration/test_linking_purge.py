"""Purging dead OAuth credentials keeps links, history and live tokens."""

from __future__ import annotations

from datetime import timedelta

import httpx

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.linking import service
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import (
    FROZEN_START,
    bearer,
    link_tokens,
    refresh,
    register_app,
    row_count,
)


async def test_purge_removes_only_credentials_dead_for_longer_than_the_cutoff(
    client: httpx.AsyncClient, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        app = await register_app(container)
        await signed_in_shopper(client, container)
        first = await link_tokens(client, app)
        rotated = await refresh(client, app, first["refresh_token"])
        assert rotated.status_code == 200
        clock.advance(timedelta(days=8))
        live = (await refresh(client, app, rotated.json()["refresh_token"])).json()
        assert await row_count(container, "oauth_tokens") == 3
        assert await row_count(container, "oauth_authorization_codes") == 1

        purged = await service.purge_dead_credentials(
            uow=container.uow(), older_than=timedelta(days=7)
        )

        # The first issuance was rotated away 8 days ago, its code expired then too; the second
        # issuance was rotated just now and the third is live: both stay.
        assert purged == service.PurgedCredentials(codes=1, tokens=0)
        assert await row_count(container, "oauth_tokens") == 3
        clock.advance(timedelta(days=60))
        purged = await service.purge_dead_credentials(
            uow=container.uow(), older_than=timedelta(days=7)
        )
        assert purged == service.PurgedCredentials(codes=0, tokens=3)
        assert await row_count(container, "link_grants") == 1
        assert await row_count(container, "link_events") == 1
        probe = await client.get("/partner/v1/shopper", headers=bearer(live["access_token"]))
        assert probe.status_code == 401
