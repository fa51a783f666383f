"""The protocol's HTTP rules of the ACP checkout: echoed headers, API-Version, who may call.

The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris. "Nothing happened" is proved on
the whole database: every table as it was.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.acp_helpers import (
    ENDPOINTS,
    SESSIONS,
    VERSION,
    acp_error,
    acp_headers,
    create_body,
    ready,
    request_of,
)
from tests.checkout_helpers import checkout_shopper, link_shopper
from tests.checkout_state_helpers import holds, same_app_shopper
from tests.linking_helpers import FROZEN_START, register_app
from tests.offers_helpers import MEMBER_SKU, LinkedShopper, client_credentials_token, table_contents


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def test_request_id_and_key_are_echoed_on_answers_errors_and_replays(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Request-Id on reads, writes, replays, 4xx and 404; the Idempotency-Key on POSTs."""
    linked, session, _ = await ready(app, container, client)
    sends = [
        ("GET", f"{SESSIONS}/{session['id']}", None, None),
        ("POST", SESSIONS, create_body((MEMBER_SKU, 1)), "echo-1"),
        ("POST", SESSIONS, create_body((MEMBER_SKU, 1)), "echo-1"),
        ("POST", SESSIONS, create_body(("ACM-NOPE-1", 1)), "echo-2"),
        ("GET", f"{SESSIONS}/chk_nope", None, None),
    ]
    for number, (method, path, body, key) in enumerate(sends):
        headers = acp_headers(linked, key=key, **{"Request-Id": f"req-{number}"})
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.headers["Request-Id"] == f"req-{number}", (method, path)
        assert answer.headers.get("Idempotency-Key") == key


@pytest.mark.parametrize(
    ("version", "code", "message"),
    [
        (None, "missing_api_version", "Send the API-Version header."),
        (" ", "missing_api_version", "Send the API-Version header."),
        ("2025-09-29", "unsupported_api_version", "API-Version '2025-09-29' is not supported."),
    ],
    ids=["missing", "blank", "unknown"],
)
async def test_the_api_version_is_required_and_must_be_ours(
    app: object, container: Container, client: httpx.AsyncClient, version: str | None,
    code: str, message: str,
) -> None:  # fmt: skip
    """400 with the versions we speak, on reads and writes; nothing created."""
    linked, session, _ = await ready(app, container, client)
    headers = acp_headers(linked)
    del headers["API-Version"]
    if version is not None:
        headers["API-Version"] = version
    before = await table_contents(container)

    read = await client.get(f"{SESSIONS}/{session['id']}", headers=headers)
    write = await client.post(SESSIONS, json=create_body((MEMBER_SKU, 1)), headers=headers)

    expected = {
        "type": "invalid_request", "code": code, "message": message,
        "supported_versions": [VERSION],
    }  # fmt: skip
    assert [(a.status_code, a.json()) for a in (read, write)] == [(400, expected)] * 2
    assert await table_contents(container) == before


async def test_callers_without_a_shoppers_token_are_refused_and_nothing_happens(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """No or an unknown token: 401 invalid_token; the platform's client-credentials token: 403
    requires_sign_in."""
    linked, _, _ = await ready(app, container, client)
    platform = await client_credentials_token(client, linked.app, scope="checkout")
    before = await table_contents(container)
    calls = {
        None: (401, "invalid_token"), "tok_unknown": (401, "invalid_token"),
        platform: (403, "requires_sign_in"),
    }  # fmt: skip
    for token, (status, code) in calls.items():
        headers = {k: v for k, v in acp_headers(linked).items() if k != "Authorization"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        refused = await client.post(SESSIONS, json=create_body((MEMBER_SKU, 1)), headers=headers)
        acp_error(refused, status, code)
        assert ("WWW-Authenticate" in refused.headers) is (status == 401)
    assert await table_contents(container) == before


async def strangers(
    app: object, container: Container, linked: LinkedShopper
) -> list[LinkedShopper]:
    """Another shopper of the same platform, another platform's shopper, and the same shopper
    linked to another platform."""
    neighbour = await same_app_shopper(app, container, linked.app, "checkout")
    other = await checkout_shopper(app, container, scope="checkout")
    twin = await link_shopper(app, container, linked.login, await register_app(container))
    return [neighbour, other, twin]


async def test_another_callers_token_does_not_find_the_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """404 checkout_session_not_found on read, update, complete and cancel; nothing changed."""
    linked, session, token = await ready(app, container, client)
    callers = await strangers(app, container, linked)
    before = await table_contents(container)
    not_found = {
        "type": "invalid_request", "code": "checkout_session_not_found",
        "message": f"No checkout session {session['id']!r}.",
    }  # fmt: skip

    for caller in callers:
        read = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(caller))
        assert (read.status_code, read.json()) == (404, not_found)
        for endpoint in ENDPOINTS[1:]:
            path, body = request_of(endpoint, session, token)
            answer = await client.post(path, json=body, headers=acp_headers(caller))
            assert (answer.status_code, answer.json()) == (404, not_found), endpoint
    after = await table_contents(container)
    changed = {name for name, rows in after.items() if rows != before[name]}
    assert changed <= {"idempotency_keys", "link_grants"}  # the kept 404s, the grants' last use
    assert await holds(container, session["id"]) == [("PAR1", 2)]
