"""The connector's token keeper, grant cache and accounts file."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from handshake.connector.accounts import AccountStore
from handshake.connector.grants import ENDED, NOTHING_SHARED, GrantUnavailable
from handshake.connector.tokens import RelinkNeeded, TokenUnavailable
from handshake.devices.consent import DataType
from tests.connector_helpers import (
    NOW,
    STREAM,
    SUBJECT,
    FakePlatform,
    account,
    grant_document,
    parts,
    share,
)


def files_in(folder: Path) -> list[str]:
    return sorted(f.name for f in folder.iterdir())


GRANT = grant_document([share("thermostat-1", DataType.TEMPERATURE, STREAM)], version=3)


async def test_a_token_is_refreshed_300_seconds_before_it_expires() -> None:
    platform = FakePlatform(GRANT)
    fresh = parts(platform, accounts=[account(expires_in=timedelta(seconds=301))])
    assert await fresh.tokens.access_token(SUBJECT) == "access-1"
    assert platform.token_requests == []

    due = parts(platform, accounts=[account(expires_in=timedelta(seconds=300))])
    assert await due.tokens.access_token(SUBJECT) == "access-2"
    refreshed = due.store.get(SUBJECT)
    assert refreshed is not None
    assert (refreshed.refresh_token, refreshed.expires_at) == (
        "refresh-2",
        NOW + timedelta(hours=1),
    )


async def test_tasks_waiting_on_one_account_share_one_refresh() -> None:
    platform = FakePlatform(GRANT)
    p = parts(platform, accounts=[account(expires_in=timedelta(0))])

    tokens = await asyncio.gather(*(p.tokens.access_token(SUBJECT) for _ in range(5)))
    assert (tokens, len(platform.token_requests)) == (["access-2"] * 5, 1)
    again = await asyncio.gather(*(p.tokens.refreshed(SUBJECT, "access-2") for _ in range(3)))
    assert (again, len(platform.token_requests)) == (["access-3"] * 3, 2)


async def test_invalid_grant_marks_the_account_for_relinking_and_saves_it(tmp_path: Path) -> None:
    platform = FakePlatform(GRANT)
    platform.token_answers = [httpx.Response(400, json={"error": "invalid_grant"})]
    path = tmp_path / "accounts.json"
    p = parts(platform, accounts=[account(expires_in=timedelta(0))], path=path)

    with pytest.raises(RelinkNeeded):
        await p.tokens.access_token(SUBJECT)
    assert p.tokens.active(SUBJECT) is False
    [saved] = json.loads(path.read_bytes())
    assert (saved["relink_needed"], saved["access_token"], saved["refresh_token"]) == (True, "", "")
    assert files_in(tmp_path) == ["accounts.json"]  # no temp file left behind
    assert await p.grants.grant(SUBJECT) == ENDED  # nothing is shared for it any more


async def test_a_failing_token_endpoint_is_temporary() -> None:
    platform = FakePlatform(GRANT)
    platform.token_answers = [httpx.Response(503), httpx.Response(503)]
    p = parts(platform, accounts=[account(expires_in=timedelta(0))])

    with pytest.raises(TokenUnavailable):
        await p.tokens.access_token(SUBJECT)
    assert p.tokens.active(SUBJECT) is True
    with pytest.raises(GrantUnavailable):
        await p.grants.grant(SUBJECT)


async def test_the_grant_is_cached_at_most_the_ttl_and_forgotten_when_told() -> None:
    platform = FakePlatform(GRANT)
    changes: list[str] = []
    p = parts(platform)
    p.grants.on_version_change = changes.append

    first = await p.grants.read(SUBJECT)
    assert (first.version, [(s.device_id, s.data_type) for s in first.grant.shares]) == (
        3, [("thermostat-1", DataType.TEMPERATURE)],
    )  # fmt: skip
    p.clock.now += 0.99
    await p.grants.read(SUBJECT)
    assert platform.grant_reads == 1
    p.clock.now += 0.01
    await p.grants.read(SUBJECT)
    assert platform.grant_reads == 2
    p.grants.invalidate(SUBJECT)
    platform.grant = grant_document([], version=4, status="revoked")
    assert (await p.grants.grant(SUBJECT), platform.grant_reads, changes) == (ENDED, 3, [SUBJECT])


@pytest.mark.parametrize(
    ("answer", "expected"),
    [(httpx.Response(404), NOTHING_SHARED), (httpx.Response(403), NOTHING_SHARED)],
)
async def test_no_grant_shares_nothing(answer: httpx.Response, expected: object) -> None:
    platform = FakePlatform(GRANT)
    p = parts(platform)
    p.grants._http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: answer))
    assert await p.grants.grant(SUBJECT) == expected


async def test_a_grant_the_platform_cannot_serve_is_unavailable_not_empty() -> None:
    p = parts(FakePlatform(GRANT))
    p.grants._http = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(502)))
    with pytest.raises(GrantUnavailable):
        await p.grants.grant(SUBJECT)


def test_the_accounts_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "var" / "accounts.json"
    AccountStore([account()], path).save()
    store = AccountStore.load(path)

    loaded = store.get(SUBJECT)
    assert loaded == account()
    owner = store.owner_of("lock-3")
    assert owner is not None
    assert owner.subject == SUBJECT
    assert store.owner_of("lock-9") is None
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert AccountStore.load(tmp_path / "missing.json").get(SUBJECT) is None
