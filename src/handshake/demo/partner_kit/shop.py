"""What every shopping partner app shares: browser sessions, linking and unlinking, the signed
webhooks, the orders placed in the app and the webhook log. An app adds its own screens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from handshake.demo.partner_kit import oauth
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.insights import InsightsScreen
from handshake.demo.partner_kit.linked import NAME, LinkedShoppers
from handshake.demo.partner_kit.orders import OrderBook
from handshake.demo.partner_kit.pages import Pages
from handshake.demo.partner_kit.sessions import AppSession, SessionBook, csrf_ok
from handshake.demo.partner_kit.webhooks import BadSignature, ReceivedEvent, WebhookInbox

AFTER_LINK = "after_link"


def local_path(value: Any) -> str | None:
    """``value`` when it is a path on this app (``/watch/x?t=3``), else None: never an open
    redirect to another site."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 500:
        return None
    if value.startswith("//") or "\\" in value or not value.isprintable():
        return None
    return value


class ShoppingApp:
    """A shopping partner app's state (config, HTTP client, sessions, links, orders, webhooks)
    and the pages every such app has."""

    linked_notice = "Store account linked: offers now show your price and delivery."

    def __init__(
        self, config: PartnerAppConfig, http: httpx.AsyncClient, *, app_dir: Path, brand: str,
        folder: str,
    ) -> None:  # fmt: skip
        self.config, self.http = config, http
        self.sessions = SessionBook(f"{folder}_session")
        self.pages = Pages(app_dir, self.sessions, brand, nav=f"{folder}/nav.html")
        self.linked = LinkedShoppers(http, config)
        self.orders = OrderBook()
        self.inbox = WebhookInbox(config.webhook_secret)
        self.insights = InsightsScreen(http, config, self.pages)

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

    async def link(self, request: Request) -> Response:
        """Off to the store's consent page (authorization code + PKCE); ``?next=`` is where
        the shopper comes back to."""
        session = self.sessions.of(request)
        session.values[AFTER_LINK] = local_path(request.query_params.get("next")) or "/"
        return self.redirect(session, oauth.authorization_url(self.config, session))

    async def callback(self, request: Request) -> Response:
        """Back from the consent page: exchange the code, keep the tokens."""
        session = self.sessions.of(request)
        back = session.values.pop(AFTER_LINK, None) or "/"
        try:
            shopper = await oauth.finish_link(self.http, self.config, session, request.query_params)
        except (oauth.LinkFailed, httpx.HTTPError) as exc:
            session.values["flash_error"] = f"Your store account was not linked: {exc}"
            return self.redirect(session, back)
        self.linked.link(session, shopper.account, shopper.name)
        session.values["flash"] = self.linked_notice
        return self.redirect(session, back)

    async def unlink(self, request: Request) -> Response:
        """End the link on the store's side too."""
        session, subject = self.session(request)
        form = await self.posted(request, session)
        if form is None:
            return Response("Bad form token.", status_code=403)
        if subject is not None:
            await self.linked.unlink(subject)
            self.linked.subject_of(session)  # clears the session's link
            session.values["flash"] = "Store account unlinked."
        return self.redirect(session, local_path(form.get("next")) or "/")

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
        return self.pages.render(request, session, "kit/webhooks.html", context)

    async def my_orders(self, request: Request) -> Response:
        """Orders placed in the app by this browser, as the webhooks last told."""
        session, subject = self.session(request)
        context = {"orders": self.orders.of(session.id), "subject": subject,
                   "linked_as": session.values.get(NAME),
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return self.pages.render(request, session, "kit/orders.html", context)

    def common_routes(self) -> list[Route | Mount]:
        """Linking, orders, insights, webhooks and the static files."""
        return [
            Route("/link", self.link),
            Route("/oauth/callback", self.callback),
            Route("/unlink", self.unlink, methods=["POST"]),
            Route("/orders", self.my_orders),
            Route("/insights", self.insights.page),
            Route("/webhooks/handshake", self.webhook, methods=["POST"]),
            Route("/webhooks", self.webhook_log),
            *self.pages.routes(),
        ]


def http_client(given: httpx.AsyncClient | None) -> httpx.AsyncClient:
    """The app's HTTP client to the store: the one given (tests), else a new one."""
    return given or httpx.AsyncClient(timeout=httpx.Timeout(15.0))


def serving_app(
    routes: list[Route | Mount], client: httpx.AsyncClient, *, owned: bool
) -> Starlette:
    """A Starlette app of ``routes`` that closes ``client`` on shutdown when it ``owned`` it."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            await client.aclose()

    return Starlette(routes=routes, lifespan=lifespan)
