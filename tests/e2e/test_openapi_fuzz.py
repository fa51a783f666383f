"""Schemathesis over the whole OpenAPI spec: bad input never yields a 5xx, errors are problems.

Runs on SQLite with an operator API key so authenticated operator endpoints are exercised past
their auth check. The database uses no connection pool because schemathesis drives the ASGI app
from its own event loop.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from handshake.bootstrap import build_container
from handshake.db.base import metadata
from handshake.entrypoints.http import create_app
from handshake.settings import DatabaseSettings
from tests.accounts_helpers import operator_headers
from tests.conftest import make_settings

PROBLEM_JSON = "application/problem+json"
ACP_PREFIXES = ("/acp/", "/agentic_commerce/")
ACP_ERROR_TYPES = {"invalid_request", "processing_error", "service_unavailable"}
OAUTH_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "unsupported_token_type",
}


def problem_json_for_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx answer of a JSON API is RFC 9457 problem+json with a stable code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    value = content_type[0] if isinstance(content_type, list) else content_type
    if case.path.startswith("/oauth/") and not value.startswith(PROBLEM_JSON):
        # OAuth endpoints answer in RFC 6749 §5.2's format, which OAuth client libraries parse;
        # what the framework refuses before them (405, 429) is still problem+json.
        assert value.startswith("application/json"), f"{response.status_code} answered as {value!r}"
        assert response.json().get("error") in OAUTH_ERRORS, response.text
        return None
    if case.path.startswith(ACP_PREFIXES) and not value.startswith(PROBLEM_JSON):
        # The Agentic Commerce Protocol's routes answer its flat error objects, which agents
        # parse; the framework's own refusals before them (405) are still problem+json.
        assert value.startswith("application/json"), f"{response.status_code} answered as {value!r}"
        body = response.json()
        assert body.get("type") in ACP_ERROR_TYPES, response.text
        assert isinstance(body.get("code"), str), "ACP error without a code"
        return None
    assert value.startswith(PROBLEM_JSON), f"{response.status_code} answered as {value!r}"
    body = response.json()
    assert isinstance(body.get("code"), str), "problem without a code"
    assert body.get("status") == response.status_code
    return None


# Built at import because schemathesis' lazy (fixture-based) schemas do not work with the pytest
# in use; the engine has no pool and only connects once the fixture below has made the tables.
_FOLDER = Path(tempfile.mkdtemp(prefix="handshake-fuzz-"))
_CONTAINER = build_container(
    make_settings(DatabaseSettings(url=f"sqlite+aiosqlite:///{_FOLDER / 'fuzz.db'}")),
    null_pool=True,
)
_APP = create_app(container=_CONTAINER, run_worker=False)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module")
def operator_auth() -> Iterator[dict[str, str]]:
    """Tables in the fuzz database and an operator API key header."""

    async def prepare() -> dict[str, str]:
        async with _CONTAINER.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        return await operator_headers(_CONTAINER)

    yield asyncio.run(prepare())
    asyncio.run(_CONTAINER.dispose())
    shutil.rmtree(_FOLDER, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.serial
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_with_a_server_error(case: Any, operator_auth: dict[str, str]) -> None:
    """Fuzzed requests get 2xx/3xx or a 4xx problem, never a 5xx."""
    case.call_and_validate(
        headers=operator_auth, checks=[not_a_server_error, problem_json_for_errors]
    )
