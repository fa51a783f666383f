"""``handshake demo load`` through Typer: prints credentials, then says it is already loaded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handshake.bootstrap import build_container
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.demo.cli import app, print_pages
from handshake.demo.credentials_file import DEFAULT_PATH, CredentialsFile
from handshake.demo.people import OPERATOR, PARTNERS, SHOPPERS
from handshake.demo.serve import partner_apps
from handshake.settings import DatabaseSettings, Settings
from handshake.web.runtime import AppServices, CliRuntime
from tests.conftest import make_settings


def sqlite_settings(tmp_path: Path) -> Settings:
    database = DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}")

    async def create_tables() -> None:
        engine = create_engine(database, null_pool=True)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await engine.dispose()

    asyncio.run(create_tables())
    return make_settings(database)


def test_demo_load_prints_credentials_then_already_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the credentials file goes to ./var/demo/partners.json
    settings = sqlite_settings(tmp_path)

    @asynccontextmanager
    async def open_services() -> AsyncIterator[AppServices]:
        container = build_container(settings)
        try:
            yield container
        finally:
            await container.dispose()

    runtime = CliRuntime(open_services=open_services)
    runner = CliRunner()
    first = runner.invoke(app, ["load"], obj=runtime, terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "Demo loaded" in first.output
    for text in (
        *(s.email for s in SHOPPERS),
        *(s.password for s in SHOPPERS),
        OPERATOR.email,
        OPERATOR.password,
        *(p.name for p in PARTNERS),
        "http://127.0.0.1:8000/api/v1/products",
        "http://127.0.0.1:8000/docs",
        "hss_",
    ):
        assert text in first.output

    saved = CredentialsFile(tmp_path / DEFAULT_PATH).load()
    assert "demo serve" in first.output

    second = runner.invoke(app, [], obj=runtime, terminal_width=200)
    assert second.exit_code == 0, second.output
    assert "Demo already loaded" in second.output
    assert "hss_" not in second.output
    assert CredentialsFile(tmp_path / DEFAULT_PATH).load() == saved

    served = partner_apps(saved, "http://127.0.0.1:8000")
    assert [(s.name, s.port) for s in served] == [("Picto", 8001), ("ThermoCo", 8004)]
    print_pages(served, "http://127.0.0.1:8000")  # the pages `demo serve` prints


def test_demo_serve_needs_the_credentials_file(tmp_path: Path) -> None:
    assert partner_apps(CredentialsFile(tmp_path / "missing.json").load(), "http://x") == []
