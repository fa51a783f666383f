"""Shoply's checkout screens: the store's ACP CheckoutSession, shown as the store describes it.

"Buy with Shoply" opens a session for the SKU at the price Shoply showed; the screen shows its
line items, totals, delivery options (with their earliest and latest delivery times), the
store's messages and its status. Choosing another option updates the session. "Confirm and pay"
(only when the store says ``ready_for_payment``) delegates the sandbox card for the total the
shopper saw, then completes with the vault token; "Not now" cancels. Every refusal is shown as
the store's flat ACP error.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handshake.demo.partner_kit.linked import NotLinked, PlatformUnavailable
from handshake.demo.partner_kit.sessions import AppSession
from handshake.demo.shoply.acp import SANDBOX_CARD, AcpAnswer, AcpError, Shown, shown_of
from handshake.kernel import clock

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from handshake.demo.shoply.app import Shoply

SHOWN, MAX_SHOWN = "shoply_shown", 20  # what each of a browser's checkouts last showed
MAX_VAULTED = 1_000  # vault tokens by confirmation key (a double click pays once)
AWAY = {
    NotLinked: "Your store account is no longer linked: link it again to buy.",
    PlatformUnavailable: "The store is not answering right now; nothing was bought. Try again.",
}


class AgentCheckout:
    """The routes of Shoply's checkout over the store's ACP API."""

    def __init__(self, shoply: Shoply) -> None:
        self.shoply = shoply
        self._vaulted: OrderedDict[str, AcpAnswer] = OrderedDict()
        self._vaulting = asyncio.Lock()

    async def _call(self, session: AppSession, call: Awaitable[AcpAnswer]) -> AcpAnswer | None:
        """The store's answer (None: unlinked or unreachable, said in the next page's error)."""
        try:
            return await call
        except (NotLinked, PlatformUnavailable) as exc:
            session.values["flash_error"] = AWAY[type(exc)]
            return None

    def _remember(self, session: AppSession, shown: Shown) -> None:
        memory: dict[str, Shown] = session.values.setdefault(SHOWN, {})
        memory.pop(shown.session_id, None)
        memory[shown.session_id] = shown
        for old in list(memory)[:-MAX_SHOWN]:
            del memory[old]

    def _shown(self, session: AppSession, checkout_id: str) -> Shown | None:
        shown: Shown | None = dict(session.values.get(SHOWN) or {}).get(checkout_id)
        return shown

    def _to(self, session: AppSession, checkout_id: str) -> Response:
        return self.shoply.redirect(session, f"/checkout/{checkout_id}")

    async def buy(self, request: Request) -> Response:
        """Open an ACP session for one unit of a SKU, at the price Shoply showed."""
        shoply = self.shoply
        session, subject = shoply.session(request)
        form = await shoply.posted(request, session)
        if form is None or subject is None or not form.get("unit_amount", "").isdecimal():
            return shoply.redirect(session, "/")
        currency = form.get("currency") or "eur"
        call = shoply.acp.create(subject, form.get("sku", ""), int(form["unit_amount"]), currency)
        answer = await self._call(session, call)
        if answer is None:
            return shoply.redirect(session, "/")
        if answer.error is not None:
            session.values["flash_error"] = f"The store opened no checkout: {answer.error.message}"
            return shoply.redirect(session, "/")
        checkout_id = str(answer.document["id"])
        shoply.agent_orders.started(checkout_id, session.id, str(answer.document["currency"]))
        return self._to(session, checkout_id)

    async def show(
        self, request: Request, refusal: AcpError | None = None, status: int = 200
    ) -> Response:
        """The session as the store describes it now (with the store's refusal, if any)."""
        shoply = self.shoply
        session, subject = shoply.session(request)
        if subject is None:
            return shoply.redirect(session, "/")
        answer = await self._call(session, shoply.acp.get(subject, request.path_params["id"]))
        if answer is None or answer.error is not None:
            if answer is not None and answer.error is not None:
                session.values["flash_error"] = answer.error.message
            return shoply.redirect(session, "/")
        document = answer.document
        shown = shown_of(document)
        if shown is not None:
            self._remember(session, shown)
        context = {"checkout": document, "refusal": refusal, "order": document.get("order"),
                   "idempotency_key": str(uuid.uuid4()), "card_last4": SANDBOX_CARD[-4:],
                   "subject": subject, "error": session.values.pop("flash_error", None),
                   "notice": session.values.pop("flash", None)}  # fmt: skip
        return shoply.pages.render(request, session, "shoply/checkout.html", context, status)

    async def _acted(
        self, request: Request, session: AppSession, answer: AcpAnswer | None
    ) -> Response:
        """Back to the screen; a refusal is shown on it with the store's status."""
        if answer is not None and answer.error is not None:
            return await self.show(request, answer.error, answer.status)
        return self._to(session, request.path_params["id"])

    async def choose(self, request: Request) -> Response:
        """Another delivery option for every item."""
        shoply = self.shoply
        session, subject = shoply.session(request)
        form = await shoply.posted(request, session)
        checkout_id = request.path_params["id"]
        shown = self._shown(session, checkout_id)
        if form is None or subject is None or shown is None or not form.get("option_id"):
            return self._to(session, checkout_id)
        call = shoply.acp.choose(subject, checkout_id, form["option_id"], shown.item_ids)
        return await self._acted(request, session, await self._call(session, call))

    async def cancel(self, request: Request) -> Response:
        """Not now: cancel the session (the store releases the items)."""
        shoply = self.shoply
        session, subject = shoply.session(request)
        form = await shoply.posted(request, session)
        checkout_id = request.path_params["id"]
        if form is None or subject is None:
            return self._to(session, checkout_id)
        answer = await self._call(session, shoply.acp.cancel(subject, checkout_id))
        if answer is not None and answer.error is None:
            session.values["flash"] = "Not now: Shoply cancelled this checkout; nothing was bought."
        return await self._acted(request, session, answer)

    async def _vault(self, session: AppSession, shown: Shown, key: str) -> AcpAnswer | None:
        """The sandbox card delegated for what was shown, once per confirmation key."""
        async with self._vaulting:
            known = self._vaulted.get(key)
            if known is not None:
                return known
            answer = await self._call(session, self.shoply.wallet.delegate(shown, clock.now()))
            if answer is not None and answer.error is None:
                self._vaulted[key] = answer
                while len(self._vaulted) > MAX_VAULTED:
                    self._vaulted.popitem(last=False)
            return answer

    async def pay(self, request: Request) -> Response:
        """Confirm and pay: a vault token for the total shown, then complete with it."""
        shoply = self.shoply
        session, subject = shoply.session(request)
        form = await shoply.posted(request, session)
        checkout_id = request.path_params["id"]
        shown = self._shown(session, checkout_id)
        key = (form or {}).get("idempotency_key", "")[:100]
        if form is None or subject is None or shown is None or not key:
            return self._to(session, checkout_id)
        vaulted = await self._vault(session, shown, key)
        if vaulted is None or vaulted.error is not None:
            return await self._acted(request, session, vaulted)
        token = str(vaulted.document.get("id"))
        answer = await self._call(session, shoply.acp.complete(subject, shown, token, key))
        if answer is not None and answer.error is None:
            order = answer.document.get("order") or {}
            shoply.agent_orders.record(order)
            session.values["flash"] = f"Paid: the store placed order {order.get('id')}."
        return await self._acted(request, session, answer)

    def routes(self) -> list[Route]:
        """Buy, the checkout screen, delivery choice, payment and cancellation."""
        return [
            Route("/buy", self.buy, methods=["POST"]),
            Route("/checkout/{id}", self.show, methods=["GET"]),
            Route("/checkout/{id}/delivery", self.choose, methods=["POST"]),
            Route("/checkout/{id}/pay", self.pay, methods=["POST"]),
            Route("/checkout/{id}/cancel", self.cancel, methods=["POST"]),
        ]
