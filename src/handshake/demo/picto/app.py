"""Picto's ASGI app: the feed, account linking, in-app checkout, orders and the webhook log.

Start it with ``create_picto_app(PartnerAppConfig(...))`` (see ``handshake demo serve``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from handshake.demo.partner_kit import oauth
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import NAME, LinkedShoppers, PlatformUnavailable
from handshake.demo.partner_kit.pages import Pages
from handshake.demo.partner_kit.sessions import AppSession, SessionBook, csrf_ok
from handshake.demo.partner_kit.webhooks import BadSignature, ReceivedEvent, WebhookInbox
from handshake.demo.picto.feed import Feed
from handshake.demo.picto.orders import OrderBook

HERE = Path(__file__).parent


class Picto:
    """Everything Picto holds: its config, HTTP client, browser sessions, links, orders."""

    def __init__(
        self, config: PartnerAppConfig, http: httpx.AsyncClient, feed_size: int = 4
    ) -> None:
        self.config, self.http = config, http
        self.sessions = SessionBook("picto_session")
        self.pages = Pages(HERE, self.sessions, "Picto")
        self.linked = LinkedShoppers(http, config)
        self.feed = Feed(http, config, self.linked, feed_size)
        self.orders = OrderBook()
        self.inbox = WebhookInbox(config.webhook_secret)

    def session(self, request: Request) -> tuple[AppSession, str | None]:
        """The browser's session and its linked subject (None: anonymous)."""
        session = self.sessions.of(request)
        return session, self.linked.subject_of(session)

    def redirect(self, session: AppSession, to: str) -> Response:
        """See other (post/redirect/get), keeping a new session's cookie."""
        return self.sessions.remember(session, RedirectResponse(to, status_code=303))

    async def posted(self, request: Request, session: AppSession) -> dict[str, str] | None:
        """The posted form when its CSRF token is right (None otherwise)."""
        form = await request.form()
        return {k: str(v) for k, v in form.items()} if csrf_ok(session, form) else None

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

    async def link(self, request: Request) -> Response:
        """Off to the store's consent page (authorization code + PKCE)."""
        session = self.sessions.of(request)
        return self.redirect(session, oauth.authorization_url(self.config, session))

    async def callback(self, request: Request) -> Response:
        """Back from the consent page: exchange the code, keep the tokens."""
        session = self.sessions.of(request)
        try:
            shopper = await oauth.finish_link(self.http, self.config, session, request.query_params)
        except (oauth.LinkFailed, httpx.HTTPError) as exc:
            session.values["flash_error"] = f"Your store account was not linked: {exc}"
            return self.redirect(session, "/")
        self.linked.link(session, shopper.account, shopper.name)
        session.values["flash"] = "Store account linked: ads now show your price and delivery."
        return self.redirect(session, "/")

    async def unlink(self, request: Request) -> Response:
        """End the link on the store's side too."""
        session, subject = self.session(request)
        if await self.posted(request, session) is None:
            return Response("Bad form token.", status_code=403)
        if subject is not None:
            await self.linked.unlink(subject)
            self.linked.subject_of(session)  # clears the session's link
            session.values["flash"] = "Store account unlinked."
        return self.redirect(session, "/")

    async def webhook(self, request: Request) -> Response:
        """Signed webhooks from the store: orders and link revocations."""
        try:
            await self.inbox.receive(request, self._act_on)
        except BadSignature:
            return JSONResponse({"error": "invalid_signature"}, status_code=401)
        return JSONResponse({"received": True})

    async def _act_on(self, event: ReceivedEvent) -> None:
        self.orders.take(event)
        if event.type == "link.revoked" and event.data.get("sub"):
            await self.linked.forget(str(event.data["sub"]))

    async def webhook_log(self, request: Request) -> Response:
        """Every webhook received, newest first."""
        session = self.sessions.of(request)
        context = {"events": list(self.inbox.log)}
        return self.pages.render(request, session, "picto/webhooks.html", context)

    async def my_orders(self, request: Request) -> Response:
        """Orders placed in Picto by this browser, as the webhooks last told."""
        session, subject = self.session(request)
        context = {"orders": self.orders.of(session.id), "subject": subject,
                   "linked_as": session.values.get(NAME),
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return self.pages.render(request, session, "picto/orders.html", context)


def create_picto_app(
    config: PartnerAppConfig, *, http: httpx.AsyncClient | None = None, feed_size: int = 4
) -> Starlette:
    """Picto as an ASGI app (its HTTP client is closed on shutdown unless given)."""
    from handshake.demo.picto.checkout import checkout_routes

    client = http or httpx.AsyncClient(timeout=httpx.Timeout(15.0))
    picto = Picto(config, client, feed_size)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if http is None:
            await client.aclose()

    routes = [
        Route("/", picto.feed_page),
        Route("/link", picto.link),
        Route("/oauth/callback", picto.callback),
        Route("/unlink", picto.unlink, methods=["POST"]),
        Route("/orders", picto.my_orders),
        Route("/webhooks/handshake", picto.webhook, methods=["POST"]),
        Route("/webhooks", picto.webhook_log),
        *checkout_routes(picto),
        *picto.pages.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.picto = picto
    return app
