"""The demo as a browser meets it: the platform (with its worker) over the demo catalog, the
demo shoppers and operator, and the Picto and ThermoCo apps, each on a free loopback port.

The partners are registered for the ports chosen here (the demo's own ports may be taken on a
developer's machine by `make demo`).
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.bootstrap import Container
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
from tests.browser.served import Apps, ServedStack
from tests.demo_apps_helpers import (
    base_url,
    platform_app,
    register_demo_partner,
    register_thermoco,
)


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


class DemoStack(ServedStack[StackUrls]):
    """The demo: platform, Picto and ThermoCo."""

    name = "demo"
    port_count = 3

    async def _serve(self, container: Container) -> tuple[StackUrls, Apps]:
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
        urls = StackUrls(
            self.store, base_url(picto_port), base_url(thermoco_port),
            thermoco.partner_id, picto.partner_id,
        )  # fmt: skip
        apps = (
            (platform_app(container), store_port),
            (create_picto_app(picto.config), picto_port),
            (create_thermoco_app(thermoco.config), thermoco_port),
        )
        return urls, apps
