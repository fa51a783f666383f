"""Events of the webhooks domain (published on the bus after the commit)."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointGone(Event):
    """A receiver answered 410 Gone, so its endpoint was disabled."""

    partner_id: str
    endpoint_id: str
    delivery_id: str


@dataclass(frozen=True, kw_only=True)
class WebhookDeliveryDeadLettered(Event):
    """Every try of a delivery failed; it waits for a replay."""

    partner_id: str
    event_id: str
    delivery_id: str
    endpoint_id: str | None
