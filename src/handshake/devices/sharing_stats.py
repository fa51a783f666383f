"""What device makers receive, counted for operators: linked shoppers, devices, shares per data
type and sharing mode, purposes, and device values received in the last 24 hours.

A share counts while its grant is in force and the share has not expired; one share is one
data type of one device of one shopper.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from handshake.db.uow import UnitOfWork
from handshake.devices.authorization_details import from_details
from handshake.devices.consent import DataType, Purpose, SharingMode
from handshake.devices.models import MakerEndpoint
from handshake.devices.repository import MakerEndpointRepository, SharingStatsRepository
from handshake.kernel import clock

RECENT = timedelta(hours=24)
MODES = [mode.label for mode in SharingMode]
DATA_TYPES = [kind.value for kind in DataType]
PURPOSES = [purpose.value for purpose in Purpose]


@dataclass(frozen=True)
class SharingStats:
    """A maker's sharing statistics now."""

    linked_shoppers: int
    devices: int
    shares: dict[tuple[str, str], int]
    purposes: dict[str, int]
    values_last_24h: int

    def shares_of(self, data_type: str, mode: str) -> int:
        """Shares of ``data_type`` in ``mode``."""
        return self.shares.get((data_type, mode), 0)


def count_shares(
    grants: list[list[dict[str, object]]], now: datetime
) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """Unexpired shares per (data type, mode) and per purpose, over grants' details (pure)."""
    shares: Counter[tuple[str, str]] = Counter()
    purposes: Counter[str] = Counter()
    for details in grants:
        for share in from_details(details, now=now, check=False).shares:
            if share.expires_at <= now:
                continue
            shares[(share.data_type.value, share.mode.label)] += 1
            purposes.update(purpose.value for purpose in share.purposes)
    return shares, purposes


async def sharing_stats(*, uow: UnitOfWork, partner_id: str) -> SharingStats:
    """The maker's sharing statistics now."""
    now = clock.now()
    async with uow:
        repo = uow.repo(SharingStatsRepository)
        grants = await repo.active_grant_details(partner_id)
        devices = await repo.device_count(partner_id)
        recent = await repo.values_received_since(partner_id, now - RECENT)
    shares, purposes = count_shares(grants, now)
    return SharingStats(
        linked_shoppers=len(grants),
        devices=devices,
        shares=dict(shares),
        purposes=dict(purposes),
        values_last_24h=recent,
    )


async def directive_endpoint(*, uow: UnitOfWork, partner_id: str) -> MakerEndpoint | None:
    """Where the maker receives directives, if registered."""
    async with uow:
        return await uow.repo(MakerEndpointRepository).of(partner_id)
