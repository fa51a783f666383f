"""Picto's own checkout screen over ``/partner/v1/checkout-sessions``.

Buy starts a session from the offer token; the screen shows items, address, delivery option,
card and total, lets the shopper change them, and Confirm completes with an Idempotency-Key and
the total the shopper saw. A moved price or missing stock comes back as a message to confirm
again; the hosted checkout sheet is offered too.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handshake.demo.partner_kit.linked import NotLinked, PlatformUnavailable

if TYPE_CHECKING:
    from handshake.demo.picto.app import Picto

SESSIONS = "/partner/v1/checkout-sessions"
CHOICES = ("delivery_option", "address_id", "payment_method_id")


def _problem_text(answer: Any) -> str:
    try:
        body = answer.json()
    except ValueError:
        return f"The store answered {answer.status_code}."
    detail = str(body.get("detail") or body.get("title") or answer.status_code)
    messages = [str(m.get("text")) for m in body.get("messages") or [] if isinstance(m, dict)]
    return " ".join([detail, *messages])


class CheckoutScreens:
    """The routes of Picto's checkout."""

    def __init__(self, picto: Picto) -> None:
        self.picto = picto

    async def buy(self, request: Request) -> Response:
        """Start a checkout session for one offer."""
        picto = self.picto
        session, subject = picto.session(request)
        form = await picto.posted(request, session)
        if form is None or subject is None:
            return picto.redirect(session, "/")
        body = {"items": [{"offer_token": form.get("offer_token", ""), "quantity": 1}]}
        try:
            answer = await picto.linked.request(subject, "POST", SESSIONS, json=body)
        except (NotLinked, PlatformUnavailable) as exc:
            session.values["flash_error"] = f"Checkout could not start ({type(exc).__name__})."
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
        try:
            answer = await picto.linked.request(subject, "GET", f"{SESSIONS}/{checkout_id}")
        except (NotLinked, PlatformUnavailable):
            return picto.redirect(session, "/")
        if answer.status_code != 200:
            session.values["flash_error"] = _problem_text(answer)
            return picto.redirect(session, "/")
        document = answer.json()
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
        answer = await picto.linked.request(
            subject, "PATCH", f"{SESSIONS}/{checkout_id}", json=changes
        )
        if answer.status_code != 200:
            return await self.show(request, _problem_text(answer), 422)
        return picto.redirect(session, f"/checkout/{checkout_id}")

    async def confirm(self, request: Request) -> Response:
        """Pay: the total the shopper saw, exactly once per key."""
        picto = self.picto
        session, subject = picto.session(request)
        form = await picto.posted(request, session)
        checkout_id = request.path_params["checkout_id"]
        if form is None or subject is None:
            return picto.redirect(session, "/")
        confirmation = {"shopper_confirmed": True, "total_minor": int(form["total_minor"]),
                        "currency": form["currency"]}  # fmt: skip
        answer = await picto.linked.request(
            subject, "POST", f"{SESSIONS}/{checkout_id}/complete",
            json={"confirmation": confirmation},
            headers={"Idempotency-Key": form["idempotency_key"]},
        )  # fmt: skip
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
