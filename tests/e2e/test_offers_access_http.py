"""Who may call the offers API, and how fast a revocation or suspension is honoured.

The clock is frozen, so the one-second access cache never expires by itself: a refusal right
after an unlink or a suspension proves the bus dropped the cache; the same change made behind
the application's back (another process) shows only once the clock moves past the TTL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.linking.models import OAuthToken
from handshake.offers.schemas import OffersOut
from handshake.partners import service as partners
from tests.linking_helpers import FROZEN_START, bearer, row_count
from tests.offers_helpers import (
    MEMBER_SKU,
    OFFERS,
    LinkedShopper,
    client_credentials_token,
    get_offers,
    linked_shopper,
    offer_catalog,
    shopper_browser,
    table_contents,
)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    return body


async def ask(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    answer = await client.get(
        OFFERS, params={"sku": MEMBER_SKU, "placement_id": "feed"}, headers=headers
    )
    if answer.status_code == 200:
        OffersOut.model_validate(answer.json())
    return answer


async def my_links(app: object, container: Container, linked: LinkedShopper) -> list[Any]:
    async with shopper_browser(app, container, linked.login) as http:
        answer = await http.get("/api/v1/me/links")
    assert answer.status_code == 200, answer.text
    links: list[Any] = answer.json()
    return links


def offer_views(links: list[Any]) -> list[dict[str, Any]]:
    return [entry for entry in links[0]["activity"] if entry["kind"] == "offer_viewed"]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("hsat_not_a_real_token"), {"Authorization": "Basic Zm9vOmJhcg=="}],
    ids=["none", "unknown", "basic"],
)
async def test_a_call_without_a_live_token_is_401(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str]
) -> None:
    await offer_catalog(container)
    before = await table_contents(container)

    answer = await ask(client, headers)
    posted = await client.post(
        OFFERS, json={"items": [{"sku": MEMBER_SKU}], "placement_id": "f"}, headers=headers
    )

    for response in (answer, posted):
        refused(response, 401, "invalid_token")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert await table_contents(container) == before


async def test_a_token_without_the_offers_scope_is_403_and_changes_nothing(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, scope="profile")
    assert (await client.get("/partner/v1/shopper", headers=linked.headers)).status_code == 200
    before = await table_contents(container)

    answer = await ask(client, linked.headers)

    body = refused(answer, 403, "insufficient_scope")
    assert body["missing_scopes"] == ["offers"]
    assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
    assert await table_contents(container) == before
    assert await row_count(container, "offer_signing_keys") == 0


async def test_unlinking_stops_offers_on_the_very_next_call(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)
    assert (await ask(client, linked.headers)).status_code == 200  # now in the access cache
    [link] = await my_links(app, container, linked)

    async with shopper_browser(app, container, linked.login) as http:
        gone = await http.delete(
            f"/api/v1/me/links/{link['id']}", headers=linked.login.csrf_headers
        )
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "revoked"
    views_before = offer_views(await my_links(app, container, linked))

    refused(await ask(client, linked.headers), 401, "invalid_token")
    assert offer_views(await my_links(app, container, linked)) == views_before


async def test_a_revocation_behind_the_apps_back_shows_within_a_second(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    assert (await ask(client, linked.headers)).status_code == 200
    # What a revocation by another process looks like here: the row changes, no event arrives.
    async with container.engine.begin() as connection:
        await connection.execute(update(OAuthToken).values(revoked_at=FROZEN_START))

    assert (await ask(client, linked.headers)).status_code == 200
    clock.advance(timedelta(seconds=1))
    refused(await ask(client, linked.headers), 401, "invalid_token")


async def test_a_suspended_partner_is_refused_at_once_and_served_again_when_reactivated(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    anonymous = bearer(await client_credentials_token(client, linked.app))
    other = await linked_shopper(app, container)
    for headers in (linked.headers, anonymous, other.headers):
        assert (await ask(client, headers)).status_code == 200

    await partners.suspend_partner(
        uow=container.uow(), partner_id=linked.app.partner_id, reason="Abuse report"
    )

    refused(await ask(client, linked.headers), 403, "partner_suspended")
    refused(await ask(client, anonymous), 403, "partner_suspended")
    assert (await ask(client, other.headers)).status_code == 200
    await partners.reactivate_partner(uow=container.uow(), partner_id=linked.app.partner_id)
    assert (await ask(client, linked.headers)).status_code == 200


async def test_offers_add_one_offer_viewed_entry_per_link_and_interval(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    anonymous = bearer(await client_credentials_token(client, linked.app))

    await get_offers(client, linked.headers, sku=MEMBER_SKU, campaign_id="c1")
    await get_offers(client, linked.headers, sku=MEMBER_SKU, placement_id="story")
    events_after_linked_calls = await row_count(container, "link_events")
    await get_offers(client, anonymous, sku=MEMBER_SKU)

    [first] = offer_views(await my_links(app, container, linked))
    assert (first["actor"], first["detail"]) == (
        "partner",
        {"placement_id": "feed", "campaign_id": "c1"},
    )
    assert await row_count(container, "link_events") == events_after_linked_calls
    clock.advance(timedelta(seconds=60))
    await get_offers(client, linked.headers, sku=MEMBER_SKU, placement_id="story")
    views = offer_views(await my_links(app, container, linked))
    assert sorted(view["detail"]["placement_id"] for view in views) == ["feed", "story"]


async def test_a_cached_access_is_not_reused_past_the_tokens_expiry(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container)
    lifetime = timedelta(seconds=container.settings.linking.access_token_seconds)
    clock.advance(lifetime - timedelta(milliseconds=500))
    assert (await ask(client, linked.headers)).status_code == 200  # cached for one second

    clock.advance(timedelta(milliseconds=500))

    refused(await ask(client, linked.headers), 401, "invalid_token")
