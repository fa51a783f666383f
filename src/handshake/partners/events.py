"""Facts of the partners domain that other domains react to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class PartnerRegistered(Event):
    """A partner organisation was created."""

    partner_id: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class PartnerSuspended(Event):
    """A partner was suspended: linking revokes its tokens, webhooks pause its deliveries."""

    partner_id: str
    reason: str
    suspended_at: datetime


@dataclass(frozen=True, kw_only=True)
class PartnerReactivated(Event):
    """A suspended partner is served again."""

    partner_id: str


@dataclass(frozen=True, kw_only=True)
class ClientRevoked(Event):
    """An OAuth client was revoked: tokens issued to it must stop working."""

    partner_id: str
    client_id: str


@dataclass(frozen=True, kw_only=True)
class ClientSecretRotated(Event):
    """A confidential client's secret changed; the old one no longer authenticates."""

    partner_id: str
    client_id: str
