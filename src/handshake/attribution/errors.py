"""Errors of the attribution domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput, NotFound


class AdEventNotFound(NotFound):
    """No accepted event with this id for this partner (another partner's are never visible)."""

    code = "ad_event_not_found"


class EventBatchTooLarge(InvalidInput):
    """A batch with more events than ``attribution.max_batch_events``."""

    code = "event_batch_too_large"


class InvalidReportPeriod(InvalidInput):
    """A report period that ends before it starts, or is too long."""

    code = "invalid_report_period"
