"""A partner app's own checkout screen over ``/partner/v1/checkout-sessions``.

Buy starts a session from the offer token (with the click id of the ad that was tapped, when
there is one); the screen shows items, address, delivery option, card and total, lets the
shopper change them, and Confirm completes with an Idempotency-Key and the total the shopper
saw. A moved price or missing stock comes back as a message to confirm again; the hosted
checkout sheet is offered too. A purchase started with a ``return_to`` path goes back there.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Protocol

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handshake.demo.partner_kit.linked import LinkedShoppers, NotLinked, PlatformUnavailable
from handshake.demo.partner_kit.orders import OrderBook
from handshake.demo.partner_kit.pages import Pages
from handshake.demo.partner_kit.sessions import AppSession
from handshake.demo.partner_kit.shop import local_path

SESSIONS = "/partner/v1/checkout-sessions"
CHOICES = ("delivery_option", "address_id", "payment_method_id")
IN_FLIGHT, WAITS = "idempotency_in_flight", 5  # a double click's second request waits
RETURNS, MAX_RETURNS = "checkout_returns", 20  # where each checkout of a browser goes back to
AWAY = {
    NotLinked: "Your store account is no longer linked: link it again to buy.",
    PlatformUnavailable: "The store is not answering right now; nothing was bought. Try again.",
}


class CheckoutHost(Protocol):
    """What the checkout needs of its app (:class:`~.shop.ShoppingApp` has it all)."""

    linked: LinkedShoppers
    orders: OrderBook
    pages: Pages

    def session(self, request: Request) -> tuple[AppSession, str | None]:
        """The browser's session and its linked subject."""

    def redirect(self, session: AppSession, to: str) -> Response:
        """See other, keeping a new session's cookie."""

    async def posted(self, request: Request, session: AppSession) -> dict[str, str] | None:
        """The posted form when its CSRF token is right."""


def problem_text(answer: httpx.Response) -> str:
    """The store's refusal in one sentence, with its messages."""
    try:
        body = answer.json()
    except ValueError:
        return f"The store answered {answer.status_code}."
    detail = str(body.get("detail") or body.get("title") or answer.status_code)
    messages = [str(m.get("text")) for m in body.get("messages") or [] if isinstance(m, dict)]
    return " ".join([detail, *messages])


def _problem_code(answer: httpx.Response) -> str | None:
    if answer.status_code != 409:
        return None
    try:
        return str(answer.json().get("code"))
    except (ValueError, AttributeError):
        return None


def start_body(form: dict[str, str]) -> dict[str, Any]:
    """The new checkout session: one of the offer, tied to the tapped ad's click if any."""
    body: dict[str, Any] = {"items": [{"offer_token": form.get("offer_token", ""), "quantity": 1}]}
    if form.get("click_id"):
        body["click_id"] = form["click_id"]
    return body


class CheckoutScreens:
    """The routes of an app's checkout; ``template`` renders the screen."""

    def __init__(
        self, host: CheckoutHost, template: str = "kit/checkout.html", finished: str = "/orders"
    ) -> None:
        self.host, self.template, self.finished = host, template, finished

    def _return_to(self, session: AppSession, checkout_id: str) -> str | None:
        return dict(session.values.get(RETURNS) or {}).get(checkout_id)

    def _remember_return(self, session: AppSession, checkout_id: str, to: str | None) -> None:
        if to is None:
            return
        returns: dict[str, str] = session.values.setdefault(RETURNS, {})
        returns[checkout_id] = to
        for old in list(returns)[:-MAX_RETURNS]:
            del returns[old]

    def _away(self, session: AppSession, checkout_id: str) -> Response:
        """Back where the purchase started (the app's home when it did not say)."""
        return self.host.redirect(session, self._return_to(session, checkout_id) or "/")

    async def _call(
        self, session: AppSession, subject: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        """The store's answer (None: unlinked or unreachable, said in the next page's error)."""
        try:
            return await self.host.linked.request(subject, method, path, **kwargs)
        except (NotLinked, PlatformUnavailable) as exc:
            session.values["flash_error"] = AWAY[type(exc)]
            return None

    async def _complete(
        self, session: AppSession, subject: str, checkout_id: str, form: dict[str, str]
    ) -> httpx.Response | None:
        """Pay with the form's key; while the first request with it runs (a double click), ask
        again with the same key for its answer rather than show an error for a placed order."""
        confirmation = {"shopper_confirmed": True, "total_minor": int(form["total_minor"]),
                        "currency": form.get("currency", "")}  # fmt: skip
        for _ in range(WAITS):
            answer = await self._call(
                session, subject, "POST", f"{SESSIONS}/{checkout_id}/complete",
                json={"confirmation": confirmation},
                headers={"Idempotency-Key": form.get("idempotency_key", "")},
            )  # fmt: skip
            if answer is None or _problem_code(answer) != IN_FLIGHT:
                return answer
            await asyncio.sleep(min(float(answer.headers.get("retry-after") or 1), 2.0))
        return answer

    async def buy(self, request: Request) -> Response:
        """Start a checkout session for one offer."""
        host = self.host
        session, subject = host.session(request)
        form = await host.posted(request, session)
        back = local_path((form or {}).get("return_to"))
        if form is None or subject is None:
            return host.redirect(session, back or "/")
        answer = await self._call(session, subject, "POST", SESSIONS, json=start_body(form))
        if answer is None:
            return host.redirect(session, back or "/")
        if answer.status_code != 201:
            session.values["flash_error"] = f"Checkout could not start: {problem_text(answer)}"
            return host.redirect(session, back or "/")
        checkout_id = str(answer.json()["id"])
        host.orders.started(checkout_id, session.id)
        self._remember_return(session, checkout_id, back)
        return host.redirect(session, f"/checkout/{checkout_id}")

    async def show(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        """The checkout screen as the session stands."""
        host = self.host
        session, subject = host.session(request)
        checkout_id = request.path_params["checkout_id"]
        if subject is None:
            return self._away(session, checkout_id)
        answer = await self._call(session, subject, "GET", f"{SESSIONS}/{checkout_id}")
        if answer is None:
            return self._away(session, checkout_id)
        if answer.status_code != 200:
            session.values["flash_error"] = problem_text(answer)
            return self._away(session, checkout_id)
        document = answer.json()
        error = error or session.values.pop("flash_error", None)
        context = {"checkout": document, "error": error, "idempotency_key": secrets.token_hex(16),
                   "sheet_url": document.get("sheet_url"), "subject": subject,
                   "back_to": self._return_to(session, checkout_id)}  # fmt: skip
        return host.pages.render(request, session, self.template, context, status)

    async def change(self, request: Request) -> Response:
        """Another address, delivery option or card."""
        host = self.host
        session, subject = host.session(request)
        form = await host.posted(request, session)
        checkout_id = request.path_params["checkout_id"]
        if form is None or subject is None:
            return self._away(session, checkout_id)
        changes = {name: form[name] for name in CHOICES if form.get(name)}
        path = f"{SESSIONS}/{checkout_id}"
        answer = await self._call(session, subject, "PATCH", path, json=changes)
        if answer is None:
            return self._away(session, checkout_id)
        if answer.status_code != 200:
            return await self.show(request, problem_text(answer), 422)
        return host.redirect(session, f"/checkout/{checkout_id}")

    async def confirm(self, request: Request) -> Response:
        """Pay: the total the shopper saw, exactly once per key."""
        host = self.host
        session, subject = host.session(request)
        form = await host.posted(request, session)
        checkout_id = request.path_params["checkout_id"]
        if form is None or subject is None or not form.get("total_minor", "").isdecimal():
            return self._away(session, checkout_id)
        answer = await self._complete(session, subject, checkout_id, form)
        if answer is None:  # the screen tells whether the order went through before the error
            return host.redirect(session, f"/checkout/{checkout_id}")
        if answer.status_code != 201:
            return await self.show(request, problem_text(answer), 409)
        order = host.orders.record(answer.json()["order"], "placed")
        session.values["flash"] = f"Order {order.id if order else ''} placed."
        return host.redirect(session, self._return_to(session, checkout_id) or self.finished)

    def routes(self) -> list[Route]:
        """Buy, the checkout screen, its changes and its confirmation."""
        return [
            Route("/buy", self.buy, methods=["POST"]),
            Route("/checkout/{checkout_id}", self.show, methods=["GET"]),
            Route("/checkout/{checkout_id}", self.change, methods=["POST"]),
            Route("/checkout/{checkout_id}/confirm", self.confirm, methods=["POST"]),
        ]
