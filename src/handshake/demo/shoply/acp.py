"""Shoply's two sides of the Agentic Commerce Protocol (API-Version 2026-04-17).

As the agent, it calls the store's ``/acp/checkout_sessions`` with the linked shopper's access
token. As the agent's platform, it holds the shopper's card: here the sandbox test card, which
it delegates to the store's ``/agentic_commerce/delegate_payment`` with its own
client-credentials token, for a vault token that pays one session, up to the total the shopper
saw, within 15 minutes. Every POST carries a fresh ``Idempotency-Key`` unless given one.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import ClientToken, LinkedShoppers, PlatformUnavailable

VERSION = "2026-04-17"
SESSIONS = "/acp/checkout_sessions"
DELEGATE = "/agentic_commerce/delegate_payment"
IN_FLIGHT, WAITS = "idempotency_in_flight", 5  # a double click's second request waits
ALLOWANCE = timedelta(minutes=15)
SANDBOX_CARD = "4242424242424242"  # the sandbox provider's test Visa: no real money moves
NOT_NOW = "timing_deferred"


@dataclass(frozen=True)
class AcpError:
    """The protocol's flat error: what the store refused and why."""

    type: str
    code: str
    message: str
    param: str | None = None


@dataclass(frozen=True)
class AcpAnswer:
    """The store's answer: its status and JSON body (a session, a vault token or an error)."""

    status: int
    document: dict[str, Any]

    @property
    def error(self) -> AcpError | None:
        """The error of a refusal (None when the store agreed)."""
        if self.status < 400:
            return None
        body, param = self.document, self.document.get("param")
        return AcpError(
            type=str(body.get("type") or "invalid_request"),
            code=str(body.get("code") or self.status),
            message=str(body.get("message") or f"The store answered {self.status}."),
            param=param if isinstance(param, str) else None,
        )


@dataclass(frozen=True)
class Shown:
    """What the shopper saw of a session when asked to pay: the allowance is built from it."""

    session_id: str
    total_minor: int
    currency: str
    handler_id: str
    merchant_id: str
    item_ids: tuple[str, ...]


def _answer(response: httpx.Response) -> AcpAnswer:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = "processing_error" if response.status_code >= 500 else "invalid_request"
        message = f"The store answered {response.status_code} without a protocol body."
        body = {} if response.status_code < 400 else {
            "type": kind, "code": "unreadable_answer", "message": message,
        }  # fmt: skip
    return AcpAnswer(response.status_code, body)


def acp_headers(key: str | None = None) -> dict[str, str]:
    """``API-Version``, and an ``Idempotency-Key`` when given one."""
    return {"API-Version": VERSION, **({"Idempotency-Key": key} if key else {})}


def shown_of(document: dict[str, Any]) -> Shown | None:
    """The facts a payment needs from a session document (None: no usable payment handler)."""
    handlers = ((document.get("capabilities") or {}).get("payment") or {}).get("handlers") or []
    totals = [t.get("amount") for t in document.get("totals") or [] if t.get("type") == "total"]
    if not handlers or not totals or not isinstance(totals[0], int):
        return None
    handler = handlers[0]
    merchant = (handler.get("config") or {}).get("merchant_id")
    if not isinstance(merchant, str) or not isinstance(handler.get("id"), str):
        return None
    return Shown(
        session_id=str(document["id"]), total_minor=totals[0],
        currency=str(document.get("currency") or "eur"), handler_id=handler["id"],
        merchant_id=merchant,
        item_ids=tuple(str(line["id"]) for line in document.get("line_items") or []),
    )  # fmt: skip


class StoreCheckout:
    """The agent's calls on a shopper's ACP checkout sessions (the shopper's link token)."""

    def __init__(self, linked: LinkedShoppers) -> None:
        self.linked = linked

    async def _post(
        self, subject: str, path: str, body: dict[str, Any], key: str | None = None
    ) -> AcpAnswer:
        """POST with ``key`` (a new one when None); while the first request with the same key
        runs (a double click), ask again for its answer."""
        key = key or str(uuid.uuid4())
        answer = AcpAnswer(0, {})
        for _ in range(WAITS):
            response = await self.linked.request(
                subject, "POST", path, json=body, headers=acp_headers(key)
            )
            answer = _answer(response)
            if answer.status != 409 or answer.document.get("code") != IN_FLIGHT:
                return answer
            await asyncio.sleep(min(float(response.headers.get("retry-after") or 1), 2.0))
        return answer

    async def create(self, subject: str, sku: str, unit_amount: int, currency: str) -> AcpAnswer:
        """A session for one unit at the price Shoply showed; no address: the store delivers
        to the shopper's saved one without telling it."""
        body = {"line_items": [{"id": sku, "unit_amount": unit_amount}],
                "currency": currency.lower(), "capabilities": {}}  # fmt: skip
        return await self._post(subject, SESSIONS, body)

    async def get(self, subject: str, session_id: str) -> AcpAnswer:
        """The session as it stands (with its order once completed)."""
        response = await self.linked.request(
            subject, "GET", f"{SESSIONS}/{session_id}", headers=acp_headers()
        )
        return _answer(response)

    async def choose(
        self, subject: str, session_id: str, option_id: str, item_ids: tuple[str, ...]
    ) -> AcpAnswer:
        """Deliver every item with another fulfillment option."""
        chosen = [{"type": "shipping", "option_id": option_id, "item_ids": list(item_ids)}]
        body = {"selected_fulfillment_options": chosen}
        return await self._post(subject, f"{SESSIONS}/{session_id}", body)

    async def cancel(self, subject: str, session_id: str) -> AcpAnswer:
        """Not now: the store releases the items, told the shopper would rather wait."""
        body = {"intent_trace": {"reason_code": NOT_NOW}}
        return await self._post(subject, f"{SESSIONS}/{session_id}/cancel", body)

    async def complete(self, subject: str, shown: Shown, token: str, key: str) -> AcpAnswer:
        """Pay with the vault token, exactly once per ``key``."""
        instrument = {"type": "card", "credential": {"type": "vault_token", "token": token}}
        body = {"payment_data": {"handler_id": shown.handler_id, "instrument": instrument}}
        return await self._post(subject, f"{SESSIONS}/{shown.session_id}/complete", body, key)


def rfc3339(moment: datetime) -> str:
    """An instant as RFC 3339 in UTC (``…Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def delegation_body(shown: Shown, now: datetime) -> dict[str, Any]:
    """The sandbox card, allowed to pay ``shown``'s session up to its total for 15 minutes."""
    card = {
        "type": "card", "card_number_type": "fpan", "number": SANDBOX_CARD,
        "exp_month": "12", "exp_year": str(now.year + 3), "cvc": "123",
        "display_card_funding_type": "credit", "display_brand": "visa",
        "display_last4": SANDBOX_CARD[-4:], "metadata": {},
    }  # fmt: skip
    allowance = {
        "reason": "one_time", "max_amount": shown.total_minor, "currency": shown.currency,
        "checkout_session_id": shown.session_id, "merchant_id": shown.merchant_id,
        "expires_at": rfc3339(now + ALLOWANCE),
    }  # fmt: skip
    return {"payment_method": card, "allowance": allowance,
            "risk_signals": [{"type": "card_testing", "score": 0, "action": "authorized"}],
            "metadata": {"agent": "shoply"}}  # fmt: skip


class SandboxWallet:
    """The agent platform's payment side: delegates the sandbox card for one session."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig) -> None:
        self.http, self.config = http, config
        self.token = ClientToken(http, config, "checkout")

    async def delegate(self, shown: Shown, now: datetime) -> AcpAnswer:
        """A vault token (``id`` of the answer) for ``shown``, or the store's refusal."""
        token = await self.token.get()
        headers = {"Authorization": f"Bearer {token}", **acp_headers(str(uuid.uuid4()))}
        try:
            response = await self.http.post(
                self.config.platform(DELEGATE), json=delegation_body(shown, now), headers=headers
            )
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(str(exc)) from None
        return _answer(response)
