"""Facts of the accounts domain, published after commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class ShopperSignedUp(Event):
    """A shopper created an account."""

    shopper_id: str


@dataclass(frozen=True, kw_only=True)
class ShopperErased(Event):
    """A shopper's personal data was erased (the id remains for accounting)."""

    shopper_id: str
    erased_at: datetime


@dataclass(frozen=True, kw_only=True)
class MembershipChanged(Event):
    """A membership was granted, changed or ended."""

    shopper_id: str
    starts_at: datetime
    ends_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class OperatorCreated(Event):
    """A new operator account."""

    operator_id: str


@dataclass(frozen=True, kw_only=True)
class OperatorApiKeyRevoked(Event):
    """An operator API key stops working."""

    operator_id: str
    key_id: str
