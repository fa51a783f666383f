"""Picto's own checkout screen over ``/partner/v1/checkout-sessions``.

Buy starts a session from the offer token; the screen shows items, address, delivery option,
card and total, lets the shopper change them, and Confirm completes with an Idempotency-Key and
the total the shopper saw. A moved price or missing stock comes back as a message to confirm
again; the hosted checkout sheet is offered too.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handshake.demo.partner_kit.linked import NotLinked, PlatformUnavailable

if TYPE_CHECKING:
    from handshake.demo.partner_kit.sessions import AppSession
    from handshake.demo.picto.app import Picto

SESSIONS = "/partner/v1/checkout-sessions"
CHOICES = ("delivery_option", "address_id", "payment_method_id")
IN_FLIGHT, WAITS = "idempotency_in_flight", 5  # a double click's second request waits
AWAY = {
    NotLinked: "Your store account is no longer linked: link it again to buy.",
    PlatformUnavailable: "The store is not answering right now; nothing was bought. Try again.",
}


def _problem_text(answer: Any) -> str:
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


class CheckoutScreens:
    """The routes of Picto's checkout."""

    def __init__(self, picto: Picto) -> None:
        self.picto = picto

    async def _call(
        self, session: AppSession, subject: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        """The store's answer (None: unlinked or unreachable, said in the next page's error)."""
        try:
            return await self.picto.linked.request(subject, method, path, **kwargs)
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
        picto = self.picto
        session, subject = picto.session(request)
        form = await picto.posted(request, session)
        if form is None or subject is None:
            return picto.redirect(session, "/")
        body = {"items": [{"offer_token": form.get("offer_token", ""), "quantity": 1}]}
        answer = await self._call(session, subject, "POST", SESSIONS, json=body)
        if answer is None:
            return picto.redirect(session, "/")
        if answer.status_code != 201:
            session.values["flash_error"] = f"Checkout could not start: {_problem_text(answer)}"
            return picto.redirect(session, "/")
        checkout_id = str(answer.json()["id"])
        picto.orders.started(checkout_id, session.id)
        return picto.redirect(session, f"/checkout/{checkout_id}")

    async def show(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        """The checkout screen as the session stands."""
        picto = self.picto
        session, subject = picto.session(request)
        checkout_id = request.path_params["checkout_id"]
        if subject is None:
            return picto.redirect(session, "/")
        answer = await self._call(session, subject, "GET", f"{SESSIONS}/{checkout_id}")
        if answer is None:
            return picto.redirect(session, "/")
        if answer.status_code != 200:
            session.values["flash_error"] = _problem_text(answer)
            return picto.redirect(session, "/")
        document = answer.json()
        error = error or session.values.pop("flash_error", None)
        context = {"checkout": document, "error": error, "idempotency_key": secrets.token_hex(16),
                   "sheet_url": document.get("sheet_url"), "subject": subject}  # fmt: skip
        return picto.pages.render(request, session, "picto/checkout.html", context, status)

    async def change(self, request: Request) -> Response:
        """Another address, delivery option or card."""
        picto = self.picto
        session, subject = picto.session(request)
        form = await picto.posted(request, session)
        checkout_id = request.path_params["checkout_id"]
        if form is None or subject is None:
            return picto.redirect(session, "/")
        changes = {name: form[name] for name in CHOICES if form.get(name)}
        path = f"{SESSIONS}/{checkout_id}"
        answer = await self._call(session, subject, "PATCH", path, json=changes)
        if answer is None:
            return picto.redirect(session, "/")
        if answer.status_code != 200:
            return await self.show(request, _problem_text(answer), 422)
        return picto.redirect(session, f"/checkout/{checkout_id}")

    async def confirm(self, request: Request) -> Response:
        """Pay: the total the shopper saw, exactly once per key."""
        picto = self.picto
        session, subject = picto.session(request)
        form = await picto.posted(request, session)
        checkout_id = request.path_params["checkout_id"]
        if form is None or subject is None or not form.get("total_minor", "").isdigit():
            return picto.redirect(session, "/")
        answer = await self._complete(session, subject, checkout_id, form)
        if answer is None:  # the screen tells whether the order went through before the error
            return picto.redirect(session, f"/checkout/{checkout_id}")
        if answer.status_code != 201:
            return await self.show(request, _problem_text(answer), 409)
        order = picto.orders.record(answer.json()["order"], "placed")
        session.values["flash"] = f"Order {order.id if order else ''} placed."
        return picto.redirect(session, "/orders")


def checkout_routes(picto: Picto) -> list[Route]:
    """Buy, the checkout screen, its changes and its confirmation."""
    screens = CheckoutScreens(picto)
    return [
        Route("/buy", screens.buy, methods=["POST"]),
        Route("/checkout/{checkout_id}", screens.show, methods=["GET"]),
        Route("/checkout/{checkout_id}", screens.change, methods=["POST"]),
        Route("/checkout/{checkout_id}/confirm", screens.confirm, methods=["POST"]),
    ]
