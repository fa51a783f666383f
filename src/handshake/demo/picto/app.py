"""Picto's ASGI app: the feed, account linking, in-app checkout, orders and the webhook log.

Start it with ``create_picto_app(PartnerAppConfig(...))`` (see ``handshake demo serve``).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handshake.demo.partner_kit.checkout import CheckoutScreens
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import NAME, PlatformUnavailable
from handshake.demo.partner_kit.shop import ShoppingApp, http_client, serving_app
from handshake.demo.picto.feed import Feed

HERE = Path(__file__).parent


class Picto(ShoppingApp):
    """Everything Picto holds: its config, HTTP client, browser sessions, links, orders."""

    linked_notice = "Store account linked: ads now show your price and delivery."

    def __init__(
        self, config: PartnerAppConfig, http: httpx.AsyncClient, feed_size: int = 4
    ) -> None:
        super().__init__(config, http, app_dir=HERE, brand="Picto", folder="picto")
        self.feed = Feed(http, config, self.linked, feed_size)

    async def feed_page(self, request: Request) -> Response:
        """The feed, with anonymous or personalised sponsored posts."""
        session, subject = self.session(request)
        try:
            posts, error = await self.feed.posts(subject), None
        except PlatformUnavailable:
            posts, error = [], "The store is not answering right now; try again in a moment."
        subject = self.linked.subject_of(session)  # None now if the link ended meanwhile
        flash_error = session.values.pop("flash_error", None)  # shown once, never later
        context = {"posts": posts, "subject": subject, "linked_as": session.values.get(NAME),
                   "platform_url": self.config.platform_url, "error": error or flash_error,
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return self.pages.render(request, session, "picto/feed.html", context)


def create_picto_app(
    config: PartnerAppConfig, *, http: httpx.AsyncClient | None = None, feed_size: int = 4
) -> Starlette:
    """Picto as an ASGI app (its HTTP client is closed on shutdown unless given)."""
    client = http_client(http)
    picto = Picto(config, client, feed_size)

    routes = [
        Route("/", picto.feed_page),
        *CheckoutScreens(picto).routes(),
        *picto.common_routes(),
    ]
    app = serving_app(routes, client, owned=http is None)
    app.state.picto = picto
    return app
