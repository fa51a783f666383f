"""Shoply's ASGI app: "Ask Shoply" over the public catalog, account linking, buying through the
store's ACP checkout, "My orders" and the log of the store's signed order events.

Start it with ``create_shoply_app(PartnerAppConfig(...))`` (see ``handshake demo serve``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import NAME, PlatformUnavailable
from handshake.demo.partner_kit.shop import ShoppingApp, http_client, serving_app
from handshake.demo.shoply.acp import SandboxWallet, StoreCheckout
from handshake.demo.shoply.catalog import Catalog
from handshake.demo.shoply.checkout import AgentCheckout
from handshake.demo.shoply.events import OrderEvents
from handshake.demo.shoply.orders import OrderBook

HERE = Path(__file__).parent
STORE_ZONE = ZoneInfo("Europe/Paris")  # delivery times as the shopper in France reads them
SUGGESTIONS = ("kettle", "smart thermostat", "a lamp under 60 euros")
AWAY = "The store is not answering right now; try again in a moment."


def _local(value: object) -> datetime | None:
    """An RFC 3339 instant in store time (None: not one)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(STORE_ZONE) if moment.tzinfo is not None else None


def when(value: object) -> str:
    """An RFC 3339 instant as ``Fri 2 Mar, 08:00`` (store time); other values as nothing."""
    local = _local(value)
    return "" if local is None else f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def window(earliest: object, latest: object) -> str:
    """A delivery window: ``Fri 2 Mar, 08:00–22:00`` within a day, else from one to the other."""
    start, end = _local(earliest), _local(latest)
    if start is None or end is None:
        return when(earliest)
    if start.date() == end.date():
        return f"{when(earliest)}–{end:%H:%M}"
    return f"between {when(earliest)} and {when(latest)}"


def day(value: object) -> str:
    """The date of an RFC 3339 value as ``Fri 2 Mar`` (the day it names, whatever the zone)."""
    try:
        date = datetime.fromisoformat(str(value)[:10])
    except ValueError:
        return ""
    return f"{date:%a} {date.day} {date:%b}"


class Shoply(ShoppingApp):
    """Everything Shoply holds: config, HTTP client, browser sessions, links, orders, events."""

    linked_notice = "Store account linked: Shoply can now buy for you, at your own price."

    def __init__(self, config: PartnerAppConfig, http: httpx.AsyncClient) -> None:
        super().__init__(config, http, app_dir=HERE, brand="Shoply", folder="shoply")
        self.catalog = Catalog(http, config)
        self.acp = StoreCheckout(self.linked)
        self.wallet = SandboxWallet(http, config)
        self.agent_orders = OrderBook()
        self.events = OrderEvents(config.webhook_secret)
        self.pages.templates.env.filters.update(when=when, window=window, day=day)

    async def home(self, request: Request) -> Response:
        """Ask Shoply: the question and the products found, at the store's public prices."""
        session, subject = self.session(request)
        question = request.query_params.get("q", "").strip()[:200]
        cards, error = [], None
        if question:
            try:
                cards = await self.catalog.cards(question)
            except PlatformUnavailable:
                error = AWAY
        context = {"question": question, "cards": cards, "subject": subject,
                   "linked_as": session.values.get(NAME), "suggestions": SUGGESTIONS,
                   "platform_url": self.config.platform_url,
                   "error": error or session.values.pop("flash_error", None),
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return self.pages.render(request, session, "shoply/home.html", context)

    async def receive(self, request: Request) -> Response:
        """The store's ACP order events: verified (``Merchant-Signature``), logged, filed."""
        received = await self.events.receive(request)
        if received.event is not None and not received.event.verified:
            return JSONResponse({"error": "invalid_signature"}, status_code=401)
        if received.order is not None:
            self.agent_orders.record(received.order)
        return JSONResponse({"received": True})

    async def event_log(self, request: Request) -> Response:
        """Every order event received, newest first, verified or not."""
        session = self.sessions.of(request)
        context = {"events": list(self.events.log)}
        return self.pages.render(request, session, "shoply/events.html", context)

    async def my_orders(self, request: Request) -> Response:
        """Orders Shoply placed for this browser, as the store last told."""
        session, subject = self.session(request)
        context = {"orders": self.agent_orders.of(session.id), "subject": subject,
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return self.pages.render(request, session, "shoply/orders.html", context)

    def routes(self) -> list[Route]:
        """The home page, orders, events and the webhook receiver, and linking."""
        return [
            Route("/", self.home),
            Route("/orders", self.my_orders),
            Route("/events", self.event_log),
            Route("/webhooks/acp", self.receive, methods=["POST"]),
            Route("/link", self.link),
            Route("/oauth/callback", self.callback),
            Route("/unlink", self.unlink, methods=["POST"]),
        ]


def create_shoply_app(
    config: PartnerAppConfig, *, http: httpx.AsyncClient | None = None
) -> Starlette:
    """Shoply as an ASGI app (its HTTP client is closed on shutdown unless given)."""
    client = http_client(http)
    shoply = Shoply(config, client)
    routes = [*shoply.routes(), *AgentCheckout(shoply).routes(), *shoply.pages.routes()]
    app = serving_app(routes, client, owned=http is None)
    app.state.shoply = shoply
    return app
