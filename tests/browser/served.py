"""Apps served for the browser journeys: the platform over a fresh SQLite file, and whatever a
journey serves beside it, each on a free loopback port.

Everything runs on one event loop in a background thread, so the synchronous Playwright API
drives it from the test's thread. A subclass says how many ports it needs, whether the platform's
worker runs, and what ``_serve`` seeds and serves; the lifecycle is shared here.
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from handshake.bootstrap import Container, build_container
from handshake.db.base import metadata
from handshake.db.engine import create_engine
from handshake.demo.video_seed import MEDIA_PATH
from handshake.settings import DatabaseSettings, HttpSettings, JobSettings, Settings
from tests.conftest import make_settings
from tests.demo_apps_helpers import base_url, free_port, serving

U = TypeVar("U")
Apps = Sequence[tuple[Any, int]]  # (ASGI app, port) pairs, as ``serving`` takes them

STARTUP_SECONDS = 120
# A sample the platform ships and serves itself (with range requests, so players can seek).
SAMPLE_VIDEO_PATH = f"{MEDIA_PATH}/morning-coffee.webm"
SAMPLE_VIDEO_MS = 18_000  # 360×640 VP9


class ServedStack(ABC, Generic[U]):
    """Starts the apps in a thread, hands back their URLs (a ``U``), and stops them."""

    name: ClassVar[str] = "stack"  # the thread's name, the database file's and the errors'
    port_count: ClassVar[int] = 1  # the first port is the platform's
    worker: ClassVar[bool] = True  # the platform's embedded worker (webhooks, jobs)

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports = tuple(free_port() for _ in range(self.port_count))
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.urls: U | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-stack", daemon=True)

    @property
    def store(self) -> str:
        """The platform's base URL."""
        return base_url(self.ports[0])

    def settings(self) -> Settings:
        """Test settings for a platform served at the first port, its worker as ``worker`` says."""
        database = DatabaseSettings(url=f"sqlite+aiosqlite:///{self.folder / self.name}.db")
        overrides: dict[str, object] = {"http": HttpSettings(public_url=self.store)}
        if self.worker:
            overrides["jobs"] = JobSettings(embedded_worker=True, poll_interval_seconds=0.1)
        return make_settings(database, **overrides)

    def start(self) -> U:
        """Run the stack; return once every app answers (or raise what stopped it)."""
        self._thread.start()
        if not self.ready.wait(STARTUP_SECONDS):
            raise RuntimeError(f"the {self.name} stack did not start in time")
        if self.failure is not None or self.urls is None:
            raise RuntimeError(f"the {self.name} stack failed to start") from self.failure
        return self.urls

    def stop(self) -> None:
        """Stop every server and wait for the thread."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    @abstractmethod
    async def _serve(self, container: Container) -> tuple[U, Apps]:
        """Seed the platform; its URLs and the ``(app, port)`` pairs to serve."""

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
            urls, apps = await self._serve(container)
            async with serving(*apps):
                self.urls = urls
                self.ready.set()
                await self._stop.wait()
        finally:
            await container.dispose()
