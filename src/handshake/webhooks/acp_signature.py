"""Agentic Commerce Protocol order events on the wire: the body and ``Merchant-Signature``.

ACP (webhooks, 2026-04-17): the merchant POSTs ``{"type": "order_create" | "order_update",
"data": <Order>}`` to the agent platform, signed in ``Merchant-Signature: t=<unix seconds>,
v1=<hex>`` where the hex is HMAC-SHA256 keyed with the shared secret over ``f"{t}.{raw body}"``.
During a secret rotation the header carries one ``v1=`` per secret. Receivers refuse timestamps
more than 300 s away from their clock. :func:`verify` is what such a receiver does (tests, demo
receivers and partners' kits use it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime

from handshake.partners.event_types import acp_wire_type

HEADER = "Merchant-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


def sign(secret: str, timestamp: int, body: bytes | str) -> str:
    """The ``v1`` value: lower-case hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with ``secret``."""
    message = f"{timestamp}.".encode() + _bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes | str) -> str:
    """``t=<timestamp>,v1=<hex>`` with one ``v1=`` per secret (current first)."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets)])


def parse_header(header: str) -> tuple[int, list[str]] | None:
    """The timestamp and the ``v1`` signatures of a header, or None when it is malformed."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value)
    if len(timestamps) != 1 or not signatures:
        return None
    if not (timestamps[0].isascii() and timestamps[0].isdigit()):
        return None
    return int(timestamps[0]), signatures


def verify(
    header: str,
    body: bytes | str,
    secrets: Sequence[str],
    now: datetime | float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a ``v1`` of ``header`` signs ``body`` with one of ``secrets``, on time at ``now``."""
    parsed = parse_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    moment = now.timestamp() if isinstance(now, datetime) else now
    if abs(moment - timestamp) > tolerance:
        return False
    expected = [sign(secret, timestamp, body).encode() for secret in secrets]
    given = [signature.encode("utf-8") for signature in signatures]
    return any(hmac.compare_digest(e, g) for e in expected for g in given)


def event_body(event_type: str, stored_body: str) -> str:
    """The ACP body of a stored ``acp.*`` event: compact ``{"type", "data"}``, same every time."""
    data = json.loads(stored_body)["data"]
    document = {"type": acp_wire_type(event_type), "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
