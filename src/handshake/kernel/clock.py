"""Every read of the current time goes through here so tests can freeze or move it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values are taken to already be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    """``value`` as ISO 8601 in UTC, with ``Z`` for the offset (``2029-03-01T09:00:00Z``)."""
    return ensure_utc(value).isoformat().replace("+00:00", "Z")


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Freeze :func:`now` at ``moment`` inside the block (tests only)."""
    global _frozen
    previous = _frozen
    _frozen = ensure_utc(moment)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward (tests only)."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    _frozen = _frozen + delta
