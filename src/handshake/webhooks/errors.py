"""Errors of the webhooks domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput, NotFound


class WebhookEventNotFound(NotFound):
    """No event with this id for this partner (another partner's events are never visible)."""

    code = "webhook_event_not_found"


class UnknownWebhookEventType(InvalidInput):
    """Publishing an event type that is not in the webhook event registry."""

    code = "unknown_event_type"


class WebhookPayloadTooLarge(InvalidInput):
    """The serialized event is larger than ``webhooks.max_payload_bytes``."""

    code = "webhook_payload_too_large"


class InvalidReplayRange(InvalidInput):
    """A replay range whose start is not before its end."""

    code = "invalid_replay_range"


class ReplayTooLarge(InvalidInput):
    """A range replay matching more events than ``webhooks.replay_max_events``."""

    code = "replay_too_large"
