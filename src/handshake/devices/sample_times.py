"""When a reported value was measured: one rule for the platform and the maker's connector (pure).

A device's own clock is believed unless the time is unreadable, has no UTC equivalent (year 1
east of UTC), or lies before 2000 — no connected device measured anything then; the caller's
``default`` (its own clock) takes over. A time without a zone is taken to be UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MIN_SAMPLE_YEAR = 2000


def parse_sample_time(text: Any, default: datetime) -> datetime:
    """An ISO 8601 time as aware UTC; ``default`` when missing, unreadable or absurd."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)  # OverflowError: no UTC time for this one
    except (ValueError, OverflowError):
        return default
    return default if moment.year < MIN_SAMPLE_YEAR else moment
