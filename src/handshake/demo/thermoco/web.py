"""ThermoCo's pages and endpoints: home, account linking, the live sharing view (htmx
polling), signed webhooks, and the connector's signed directive endpoint under /connector."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from handshake.connector.http import create_directive_app
from handshake.demo.partner_kit import oauth
from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import NAME
from handshake.demo.partner_kit.sessions import AppSession, csrf_ok
from handshake.demo.partner_kit.webhooks import BadSignature, ReceivedEvent
from handshake.demo.thermoco.app import ThermoCo
from handshake.demo.thermoco.live_view import shared_rows

HOME = "home_subject"  # the shopper's home in ThermoCo, kept after their link ends


class ThermoCoPages:
    """The routes of ThermoCo's app."""

    def __init__(self, maker: ThermoCo) -> None:
        self.maker = maker

    def _redirect(self, session: AppSession, to: str) -> Response:
        return self.maker.sessions.remember(session, RedirectResponse(to, status_code=303))

    async def _context(self, session: AppSession) -> dict[str, object]:
        maker = self.maker
        subject = maker.linked.subject_of(session)
        # The home stays on show after sharing ended (everything then reads "not shared").
        account = maker.linked.store.get(str(session.values.get(HOME, "")))
        rows, readable = ([], True) if account is None else await shared_rows(
            account, maker.grants if subject else None, maker.fleet.states, maker.sent)  # fmt: skip
        partner_id = await maker.maker_partner_id()
        return {
            "subject": subject, "linked_as": session.values.get(NAME), "rows": rows,
            "grant_readable": readable, "platform_url": maker.config.platform_url,
            "partner_id": partner_id, "reports": maker.sent.reports,
            "ended": account is not None and subject is None,
        }  # fmt: skip

    async def home(self, request: Request) -> Response:
        """The shopper's ThermoCo home and what is shared with the store."""
        session = self.maker.sessions.of(request)
        context = await self._context(session)
        context["error"] = session.values.pop("flash_error", None)
        context["notice"] = session.values.pop("flash", None)
        return self.maker.pages.render(request, session, "thermoco/home.html", context)

    async def shared(self, request: Request) -> Response:
        """The live table alone (htmx polls it)."""
        session = self.maker.sessions.of(request)
        context = await self._context(session)
        return self.maker.pages.render(request, session, "thermoco/shared.html", context)

    async def link(self, request: Request) -> Response:
        """Off to the store's consent page."""
        session = self.maker.sessions.of(request)
        return self._redirect(session, oauth.authorization_url(self.maker.config, session))

    async def callback(self, request: Request) -> Response:
        """Linked: a new home for the shopper, described to the store (discovery)."""
        maker, session = self.maker, self.maker.sessions.of(request)
        try:
            shopper = await oauth.finish_link(
                maker.http, maker.config, session, request.query_params
            )
        except (oauth.LinkFailed, httpx.HTTPError) as exc:
            session.values["flash_error"] = f"Your store account was not linked: {exc}"
            return self._redirect(session, "/")
        known = maker.linked.store.get(shopper.account.subject)
        shopper.account.devices = known.devices if known else maker.fleet.new_home()
        maker.linked.link(session, shopper.account, shopper.name)
        session.values[HOME] = shopper.account.subject
        maker.grants.invalidate(shopper.account.subject)
        maker.publisher.request_discovery(shopper.account.subject)
        session.values["flash"] = "Linked. Choose on the store what each device may share."
        return self._redirect(session, "/")

    async def unlink(self, request: Request) -> Response:
        """End the link (and so every share) from ThermoCo's side."""
        maker, session = self.maker, self.maker.sessions.of(request)
        form = await request.form()
        if not csrf_ok(session, form):
            return Response("Bad form token.", status_code=403)
        subject = maker.linked.subject_of(session)
        if subject is not None:
            await maker.linked.unlink(subject)
            maker.grants.invalidate(subject)
            maker.linked.subject_of(session)
        return self._redirect(session, "/")

    async def webhook(self, request: Request) -> Response:
        """``consent.updated``: read the grant again now; ``link.revoked``: stop, forget."""
        maker = self.maker

        async def act_on(event: ReceivedEvent) -> None:
            subject = event.data.get("sub")
            if not isinstance(subject, str):
                return
            maker.grants.invalidate(subject)
            if event.type == "link.revoked":
                await maker.linked.forget(subject)
            elif event.type == "consent.updated":
                maker.publisher.request_discovery(subject)

        try:
            await maker.inbox.receive(request, act_on)
        except BadSignature:
            return JSONResponse({"error": "invalid_signature"}, status_code=401)
        return JSONResponse({"received": True})


def create_thermoco_app(
    config: PartnerAppConfig, *, tick_seconds: float = 1.0, seed: int = 0,
    thresholds: Mapping[str, float] | None = None,
) -> Starlette:  # fmt: skip
    """ThermoCo as an ASGI app; its homes drift and stream while the app runs (lifespan)."""
    maker = ThermoCo(config, tick_seconds=tick_seconds, seed=seed, thresholds=thresholds)
    pages = ThermoCoPages(maker)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        running = asyncio.create_task(maker.run())
        try:
            yield
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await maker.http.aclose()

    routes = [
        Route("/", pages.home),
        Route("/shared", pages.shared),
        Route("/link", pages.link),
        Route("/oauth/callback", pages.callback),
        Route("/unlink", pages.unlink, methods=["POST"]),
        Route("/webhooks/handshake", pages.webhook, methods=["POST"]),
        Mount("/connector", create_directive_app(maker.directives, config.directive_secret)),
        *maker.pages.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.thermoco = maker
    return app
