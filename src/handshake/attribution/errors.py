"""Errors of the attribution domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput, NotFound, RateLimited


class AdEventNotFound(NotFound):
    """No accepted event with this id for this partner (another partner's are never visible)."""

    code = "ad_event_not_found"


class EventBatchTooLarge(InvalidInput):
    """A batch with more events than ``attribution.max_batch_events``."""

    code = "event_batch_too_large"


class InvalidReportPeriod(InvalidInput):
    """A report period that ends before it starts, or is too long."""

    code = "invalid_report_period"


class InvalidReportOption(InvalidInput):
    """A report asked for with an unknown attribution model or grouping."""

    code = "invalid_report_option"


class PrivacyBudgetExhausted(RateLimited):
    """The partner's privacy budget of the period is spent: no report until it renews."""

    code = "privacy_budget_exhausted"
    title = "Privacy budget spent"


class InvalidRebuildRange(InvalidInput):
    """A rebuild range that ends before it starts, or is too long."""

    code = "invalid_rebuild_range"
