"""Events of the attribution domain (published on the bus after the commit)."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class AdEventsAccepted(Event):
    """A partner's batch was accepted: ``accepted`` new events are queued for storage."""

    partner_id: str
    accepted: int
    duplicates: int
    rejected: int
