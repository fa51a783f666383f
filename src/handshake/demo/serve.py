"""``handshake demo serve``: the platform and the demo partner apps, each on its own port, in
one process (one uvicorn server per app on one event loop).

The platform is loaded by its import string (as ``uvicorn --factory`` would), since the demo
sits beside the entry points, not above them; tests pass ASGI apps instead.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from handshake.demo.credentials_file import SavedPartner
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.people import PARTNERS, DemoPartner
from handshake.demo.picto.app import create_picto_app
from handshake.demo.reels.app import create_reels_app
from handshake.demo.shoply.app import create_shoply_app
from handshake.demo.thermoco.web import create_thermoco_app

PLATFORM_FACTORY = "handshake.entrypoints.http:app_from_environment"
AppFactory = Callable[[PartnerAppConfig], Any]
APPS: dict[str, AppFactory] = {
    "Picto": create_picto_app, "Reels": create_reels_app,
    "Shoply Assistant": create_shoply_app, "ThermoCo": create_thermoco_app,
}  # fmt: skip
SHOPPING_APPS = ("Picto", "Reels")  # each with a webhook log of its orders and links
# Pages each app adds to its home page in the list of what runs.
MORE_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    **dict.fromkeys(SHOPPING_APPS, (("/webhooks", "its webhook log"),)),
    "Shoply Assistant": (("/events", "its signed ACP order events"),),
}
GRACE_SECONDS = 5  # open requests get this long to finish on shutdown


@dataclass(frozen=True)
class Served:
    """One app of the demo: its name, what it is, where it listens."""

    name: str
    app: Any  # an ASGI app, or the platform's import string
    port: int
    pages: tuple[tuple[str, str], ...]


class DemoServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the demo, which stops every server at once."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """No per-server signal handlers (several servers share the process)."""
        yield


def partner_config(demo: DemoPartner, saved: SavedPartner, platform_url: str) -> PartnerAppConfig:
    """The app configuration of a demo partner from its saved credentials."""
    return PartnerAppConfig(
        platform_url=platform_url, public_url=demo.base_url, client_id=saved.client_id,
        client_secret=saved.client_secret or "", webhook_secret=saved.webhook_secret or "",
        scopes=demo.scopes, directive_secret=saved.directive_secret or "",
    )  # fmt: skip


def partner_apps(saved: dict[str, SavedPartner], platform_url: str) -> list[Served]:
    """The demo partner apps whose credentials are complete."""
    served = []
    for demo in PARTNERS:
        factory, known = APPS.get(demo.name), saved.get(demo.name)
        if factory is None or known is None or not known.complete:
            continue
        app = factory(partner_config(demo, known, platform_url))
        pages = (("/", "the app"), *MORE_PAGES.get(demo.name, ()))
        served.append(Served(demo.name, app, demo.port, pages))
    return served


async def _serve(server: DemoServer) -> int:
    """0 once served; uvicorn's exit status when it could not start (a port taken)."""
    try:
        await server.serve()
    except SystemExit as exc:  # uvicorn exits on a failed start: let the others stop cleanly
        return exc.code if isinstance(exc.code, int) else 1
    return 0


async def serve_all(served: list[Served], host: str = "127.0.0.1") -> int:
    """Run every app until SIGINT/SIGTERM (or until one server stops); a second signal stops
    at once, without waiting for open connections. The exit status (not 0: one could not
    start)."""
    servers = [
        DemoServer(uvicorn.Config(
            s.app, host=host, port=s.port, log_config=None, access_log=False,
            factory=isinstance(s.app, str), timeout_graceful_shutdown=GRACE_SECONDS,
        ))
        for s in served
    ]  # fmt: skip

    def stop() -> None:
        for server in servers:
            server.force_exit = server.should_exit  # asked twice: no more waiting
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        tasks = [asyncio.create_task(_serve(server)) for server in servers]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()  # one stopped (port taken?): stop the others too
        statuses = await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return max(statuses, default=0)
