"""Purging dead OAuth credentials keeps links, history and live tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

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


async def test_token_lifetimes_count_from_the_issue_instant(
    client: httpx.AsyncClient, container: Container
) -> None:
    # Regression: issued_at came from the row's insert default, a little after the instant
    # the expiries were computed from, so introspection's exp - iat was one second short.
    app = await register_app(container)
    await signed_in_shopper(client, container)
    await link_tokens(client, app)
    async with container.engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT issued_at, expires_at, refresh_expires_at FROM oauth_tokens")
            )
        ).one()
    issued, expires, refresh_expires = (_aware(value) for value in row)
    assert expires - issued == timedelta(hours=1)
    assert refresh_expires - issued == timedelta(days=30)


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
