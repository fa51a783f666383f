"""The demo as a browser meets it: the platform (with its worker) over the demo catalog, the
demo shoppers and operator, and the Picto, Shoply and ThermoCo apps, each on a free loopback port.

The partners are registered for the ports chosen here (the demo's own ports may be taken on a
developer's machine by `make demo`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from handshake.bootstrap import Container
from handshake.demo.account_seed import ensure_accounts
from handshake.demo.loader import load_catalog
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.people import (
    OPERATOR,
    PARTNERS,
    SHOPPING_EVENTS,
    SHOPPING_SCOPES,
)
from handshake.demo.picto.app import create_picto_app
from handshake.demo.report import DemoReport
from handshake.demo.shoply.app import create_shoply_app
from handshake.demo.thermoco.web import create_thermoco_app
from handshake.demo.video_seed import ensure_videos
from handshake.partners import service as partners
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
    shoply: str
    operator_email: str = OPERATOR.email
    operator_password: str = OPERATOR.password


async def register_shoply(container: Container, port: int, platform_port: int) -> PartnerAppConfig:
    """Shoply registered for ``port`` as the demo load does (an ACP webhook endpoint)."""
    demo = replace(next(p for p in PARTNERS if p.kind == "assistant"), port=port)
    partner, issued = await partners.register_partner(
        uow=container.uow(), name=demo.name, kind=demo.kind, contact_email=demo.contact_email,
        redirect_uris=[demo.redirect_uri], scopes=list(demo.scopes),
    )  # fmt: skip
    endpoint = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner.id, url=demo.webhook_url,
        event_types=list(demo.event_types), signature_scheme=demo.signature_scheme,
    )  # fmt: skip
    return PartnerAppConfig(
        platform_url=base_url(platform_port), public_url=demo.base_url,
        client_id=issued.client_id, client_secret=issued.client_secret or "",
        webhook_secret=endpoint.secret, scopes=demo.scopes,
    )  # fmt: skip


class DemoStack(ServedStack[StackUrls]):
    """The demo: platform, Picto, ThermoCo and Shoply."""

    name = "demo"
    port_count = 4

    async def _serve(self, container: Container) -> tuple[StackUrls, Apps]:
        store_port, picto_port, thermoco_port, shoply_port = self.ports
        report = DemoReport()
        await load_catalog(container, report)
        await ensure_accounts(container, report)
        await ensure_videos(container, report)
        picto = await register_demo_partner(
            container, kind="social", port=picto_port, platform_port=store_port,
            scopes=SHOPPING_SCOPES, events=list(SHOPPING_EVENTS), name="Picto",
        )  # fmt: skip
        thermoco = await register_thermoco(container, port=thermoco_port, platform_port=store_port)
        shoply = await register_shoply(container, shoply_port, store_port)
        urls = StackUrls(
            self.store, base_url(picto_port), base_url(thermoco_port),
            thermoco.partner_id, picto.partner_id, shoply.public_url,
        )  # fmt: skip
        apps = (
            (platform_app(container), store_port),
            (create_picto_app(picto.config), picto_port),
            (create_thermoco_app(thermoco.config), thermoco_port),
            (create_shoply_app(shoply), shoply_port),
        )
        return urls, apps
