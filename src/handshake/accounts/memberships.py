"""Use cases of membership (tier ``member``): granted and ended by operators or billing."""

from __future__ import annotations

from datetime import datetime

from handshake.accounts.errors import InvalidMembership
from handshake.accounts.events import MembershipChanged
from handshake.accounts.models import MEMBER_TIER, Membership, is_member
from handshake.accounts.repository import ShopperRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id


async def set_membership(
    *,
    uow: UnitOfWork,
    shopper_id: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Membership:
    """Grant (or change) the shopper's membership from ``starts_at`` (now) to ``ends_at``."""
    start = clock.ensure_utc(starts_at) if starts_at else clock.now()
    end = clock.ensure_utc(ends_at) if ends_at else None
    if end is not None and end <= start:
        raise InvalidMembership(
            "The membership must end after it starts.", extra={"field": "ends_at"}
        )
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        membership = await repo.membership(shopper_id)
        if membership is None:
            membership = Membership(id=new_id("mbr"), shopper_id=shopper_id, tier=MEMBER_TIER)
            repo.add(membership)
        membership.starts_at = start
        membership.ends_at = end
        uow.record(MembershipChanged(shopper_id=shopper_id, starts_at=start, ends_at=end))
        await uow.commit()
    return membership


async def end_membership(*, uow: UnitOfWork, shopper_id: str) -> Membership | None:
    """End the membership now (no-op without one or when already over)."""
    now = clock.now()
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        membership = await repo.membership(shopper_id)
        if membership is not None and membership.is_active(now):
            membership.ends_at = now
            uow.record(
                MembershipChanged(
                    shopper_id=shopper_id, starts_at=membership.starts_at, ends_at=now
                )
            )
        await uow.commit()
    return membership


async def get_membership(*, uow: UnitOfWork, shopper_id: str) -> Membership | None:
    """The shopper's membership row (active or not), or None."""
    async with uow:
        return await uow.repo(ShopperRepository).membership(shopper_id)


async def is_shopper_member(
    *, uow: UnitOfWork, shopper_id: str, at: datetime | None = None
) -> bool:
    """Whether the shopper is a member at ``at`` (now by default)."""
    async with uow:
        membership = await uow.repo(ShopperRepository).membership(shopper_id)
    return is_member(membership, at or clock.now())
