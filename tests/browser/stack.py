"""The demo as a browser meets it: the platform (with its worker) over the demo catalog, the
demo shoppers and operator, and the Picto and ThermoCo apps, each on a free loopback port.

Everything runs on one event loop in a background thread, so the synchronous Playwright API
drives it from the test's thread; the partners are registered for the ports chosen here (the
demo's own ports may be taken on a developer's machine by `make demo`).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

from handshake.bootstrap import Container, build_container
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.demo.account_seed import ensure_accounts
from handshake.demo.loader import load_catalog
from handshake.demo.people import (
    OPERATOR,
    SHOPPING_EVENTS,
    SHOPPING_SCOPES,
)
from handshake.demo.picto.app import create_picto_app
from handshake.demo.report import DemoReport
from handshake.demo.thermoco.web import create_thermoco_app
from handshake.demo.video_seed import ensure_videos
from handshake.settings import DatabaseSettings, HttpSettings, JobSettings, Settings
from tests.conftest import make_settings
from tests.demo_apps_helpers import (
    base_url,
    free_port,
    platform_app,
    register_demo_partner,
    register_thermoco,
    serving,
)

STARTUP_SECONDS = 120


@dataclass(frozen=True)
class StackUrls:
    """Where each app of the running demo answers, and who the partners are."""

    store: str
    picto: str
    thermoco: str
    thermoco_partner_id: str
    picto_partner_id: str
    operator_email: str = OPERATOR.email
    operator_password: str = OPERATOR.password


class DemoStack:
    """Starts the demo in a thread, hands back its URLs, and stops it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports = (free_port(), free_port(), free_port())
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.urls: StackUrls | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="demo-stack", daemon=True)

    def settings(self) -> Settings:
        """Test settings for a platform served at the chosen port, its worker running."""
        database = DatabaseSettings(url=f"sqlite+aiosqlite:///{self.folder / 'demo.db'}")
        return make_settings(
            database,
            http=HttpSettings(public_url=base_url(self.ports[0])),
            jobs=JobSettings(embedded_worker=True, poll_interval_seconds=0.1),
        )

    def start(self) -> StackUrls:
        """Run the stack; return once every app answers (or raise what stopped it)."""
        self._thread.start()
        if not self.ready.wait(STARTUP_SECONDS):
            raise RuntimeError("the demo stack did not start in time")
        if self.failure is not None or self.urls is None:
            raise RuntimeError("the demo stack failed to start") from self.failure
        return self.urls

    def stop(self) -> None:
        """Stop every server and wait for the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the waiting test thread
            self.failure = exc
            self.ready.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        settings = self.settings()
        engine = create_engine(settings.database, null_pool=True)
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        await engine.dispose()
        container = build_container(settings)
        try:
            await self._serve(container)
        finally:
            await container.dispose()

    async def _serve(self, container: Container) -> None:
        store_port, picto_port, thermoco_port = self.ports
        report = DemoReport()
        await load_catalog(container, report)
        await ensure_accounts(container, report)
        await ensure_videos(container, report)
        picto = await register_demo_partner(
            container, kind="social", port=picto_port, platform_port=store_port,
            scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Picto",
        )  # fmt: skip
        thermoco = await register_thermoco(container, port=thermoco_port, platform_port=store_port)
        apps = (
            (platform_app(container), store_port),
            (create_picto_app(picto.config), picto_port),
            (create_thermoco_app(thermoco.config), thermoco_port),
        )
        async with serving(*apps):
            self.urls = StackUrls(
                base_url(store_port), base_url(picto_port), base_url(thermoco_port),
                thermoco.partner_id, picto.partner_id,
            )  # fmt: skip
            self.ready.set()
            assert self._stop is not None
            await self._stop.wait()
