"""Schemathesis over the whole OpenAPI spec: bad input never yields a 5xx, errors are problems.

Runs on SQLite with an operator API key so authenticated operator endpoints are exercised past
their auth check. The database uses no connection pool because schemathesis drives the ASGI app
from its own event loop.
"""

from __future__ import annotations

import asyncio
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


def problem_json_for_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx answer of a JSON API is RFC 9457 problem+json with a stable code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    value = content_type[0] if isinstance(content_type, list) else content_type
    assert value.startswith(PROBLEM_JSON), f"{response.status_code} answered as {value!r}"
    body = response.json()
    assert isinstance(body.get("code"), str), "problem without a code"
    assert body.get("status") == response.status_code
    return None


@pytest.fixture(scope="module")
def fuzz_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """An app over a fresh SQLite file plus operator credentials."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = make_settings(DatabaseSettings(url=f"sqlite+aiosqlite:///{folder / 'fuzz.db'}"))
    container = build_container(settings_, null_pool=True)

    async def prepare() -> dict[str, str]:
        async with container.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        return await operator_headers(container)

    headers = asyncio.run(prepare())
    app = create_app(container=container, run_worker=False)
    yield {"app": app, "headers": headers}
    asyncio.run(container.dispose())


@pytest.fixture(scope="module")
def api_schema(fuzz_state: dict[str, Any]) -> Any:
    """The app's OpenAPI schema, loaded through ASGI."""
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_state["app"])


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_with_a_server_error(case: Any, fuzz_state: dict[str, Any]) -> None:
    """Fuzzed requests get 2xx/3xx or a 4xx problem, never a 5xx."""
    case.call_and_validate(
        headers=fuzz_state["headers"], checks=[not_a_server_error, problem_json_for_errors]
    )
