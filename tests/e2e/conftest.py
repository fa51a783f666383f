"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from handshake.bootstrap import Container, build_container
from handshake.db.base import metadata
from handshake.settings import DatabaseSettings
from tests.conftest import make_settings


@pytest.fixture
def sqlite_container(tmp_path: Path) -> Iterator[Container]:
    """A container over a fresh SQLite file, usable from synchronous CLI tests."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    container = build_container(make_settings(DatabaseSettings(url=url)), null_pool=True)

    async def create() -> None:
        async with container.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    asyncio.run(create())
    yield container
    asyncio.run(container.dispose())
