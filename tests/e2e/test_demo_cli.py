"""``handshake demo load`` through Typer: prints credentials, then says it is already loaded."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from handshake.bootstrap import build_container
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.demo.cli import app, print_pages
from handshake.demo.credentials_file import DEFAULT_PATH, CredentialsFile
from handshake.demo.people import OPERATOR, PARTNERS, SHOPPERS
from handshake.demo.serve import Served, partner_apps, serve_all
from handshake.settings import DatabaseSettings, Settings
from handshake.web.runtime import AppServices, CliRuntime
from tests.conftest import make_settings
from tests.demo_apps_helpers import base_url, eventually, free_port


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
        "http://127.0.0.1:8000/products",
        "http://127.0.0.1:8000/admin",
        "http://127.0.0.1:8000/api/v1/products",
        "http://127.0.0.1:8000/docs",
        "hss_",
    ):
        assert text in first.output
    # Every demo partner has its app now: the by-hand try says to link before the apps serve.
    assert "Try account linking as Picto" in first.output
    assert "before `handshake demo serve`" in first.output

    saved = CredentialsFile(tmp_path / DEFAULT_PATH).load()
    assert "demo serve" in first.output

    second = runner.invoke(app, [], obj=runtime, terminal_width=200)
    assert second.exit_code == 0, second.output
    assert "Demo already loaded" in second.output
    assert "hss_" not in second.output
    assert CredentialsFile(tmp_path / DEFAULT_PATH).load() == saved

    served = partner_apps(saved, "http://127.0.0.1:8000")
    assert [(s.name, s.port) for s in served] == [
        ("Picto", 8001),
        ("Reels", 8002),
        ("Shoply Assistant", 8003),
        ("ThermoCo", 8004),
    ]
    print_pages(served, "http://127.0.0.1:8000")  # the pages `demo serve` prints


def test_demo_serve_needs_the_credentials_file(tmp_path: Path) -> None:
    assert partner_apps(CredentialsFile(tmp_path / "missing.json").load(), "http://x") == []


class _App:
    """An ASGI app noting its shutdown; its requests wait until the test lets them go."""

    def __init__(self) -> None:
        self.shut_down, self.release = False, asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            self.shut_down = True
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.release.wait()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_demo_serve_stops_every_app_when_one_cannot_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        first, second = _App(), _App()
        served = [Served("a", first, free_port(), ()),
                  Served("b", second, taken.getsockname()[1], ())]  # fmt: skip
        status = await asyncio.wait_for(serve_all(served), 10)
    assert status != 0  # the CLI exits with it
    assert first.shut_down  # the app that did start was stopped cleanly


async def test_demo_serve_stops_at_once_on_a_second_signal() -> None:
    app, port = _App(), free_port()
    serving = asyncio.create_task(serve_all([Served("a", app, port, ())]))
    async with httpx.AsyncClient(timeout=30) as http:
        await eventually(lambda: _listening(port))
        hanging = asyncio.create_task(http.get(base_url(port)))  # an open request
        await asyncio.sleep(0.2)
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.3)
        assert not serving.done()  # waiting for the open request
        os.kill(os.getpid(), signal.SIGINT)
        assert await asyncio.wait_for(serving, 2) == 0
        app.release.set()
        hanging.cancel()


async def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
