"""The webhook event types partners can subscribe to (Standard Webhooks: dot-delimited).

Upper domains that start sending a new event type add its name to the list (or call
:func:`register_event_type` from their ``tasks.register``), so that endpoint registrations are
validated against one list.

Names starting with ``acp.`` are Agentic Commerce Protocol order events: only endpoints using
the ACP signature scheme receive them (sent as ``{"type": <name without "acp.">, "data"}``),
and those endpoints receive nothing else.
"""

from __future__ import annotations

import re

EVENT_TYPE_PATTERN = re.compile(r"^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)+$")
ACP_PREFIX = "acp."

WEBHOOK_EVENT_TYPES: list[str] = [
    "order.created",
    "order.updated",
    "order.shipped",
    "order.refunded",
    "order.cancelled",
    "link.revoked",
    "consent.updated",
    "acp.order_create",
    "acp.order_update",
]


def is_acp_event_type(name: str) -> bool:
    """Whether ``name`` is an ACP order event (sent only to ACP endpoints)."""
    return name.startswith(ACP_PREFIX)


def acp_wire_type(name: str) -> str:
    """The ACP ``type`` of an ``acp.*`` event type: ``acp.order_create`` → ``order_create``."""
    return name.removeprefix(ACP_PREFIX)


def unknown_event_types(names: list[str]) -> list[str]:
    """The names that are not registered webhook event types."""
    return [name for name in names if name not in WEBHOOK_EVENT_TYPES]


def register_event_type(name: str) -> None:
    """Add ``name`` to the registry (idempotent); it must be dot-delimited ``[a-zA-Z0-9_]``."""
    if not EVENT_TYPE_PATTERN.match(name):
        raise ValueError(f"bad webhook event type {name!r}")
    if name not in WEBHOOK_EVENT_TYPES:
        WEBHOOK_EVENT_TYPES.append(name)
