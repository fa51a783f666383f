"""GDPR export and erasure of a shopper, across every domain's registered sections and erasers.

Accounts' own export sections are registered like every other domain's (see ``tasks.register``);
erasure runs the registered erasers of upper domains first (they may still need the shopper's
rows), then anonymises the shopper and deletes what accounts keeps, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handshake.accounts.authentication import throttle_key
from handshake.accounts.events import ShopperErased
from handshake.accounts.models import PrincipalKind
from handshake.accounts.repository import SessionRepository, ShopperRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.personal_data import Eraser, Exporter

EXPORT_FORMAT = 1


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


async def export_profile(uow: UnitOfWork, shopper_id: str) -> dict[str, Any]:
    """Export section ``profile``."""
    async with uow:
        shopper = await uow.repo(ShopperRepository).require(shopper_id)
        return {
            "id": shopper.id,
            "email": shopper.email,
            "name": shopper.name,
            "locale": shopper.locale,
            "created_at": _iso(shopper.created_at),
            "updated_at": _iso(shopper.updated_at),
        }


async def export_addresses(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """Export section ``addresses``."""
    async with uow:
        rows = await uow.repo(ShopperRepository).addresses(shopper_id)
        return [
            {
                "id": a.id,
                "name": a.name,
                "line1": a.line1,
                "line2": a.line2,
                "city": a.city,
                "postal_code": a.postal_code,
                "country": a.country,
                "is_default": a.is_default,
                "created_at": _iso(a.created_at),
            }
            for a in rows
        ]


async def export_membership(uow: UnitOfWork, shopper_id: str) -> dict[str, Any] | None:
    """Export section ``membership``."""
    async with uow:
        membership = await uow.repo(ShopperRepository).membership(shopper_id)
        if membership is None:
            return None
        return {
            "tier": membership.tier,
            "starts_at": _iso(membership.starts_at),
            "ends_at": _iso(membership.ends_at),
            "active": membership.is_active(clock.now()),
        }


async def export_payment_methods(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """Export section ``payment_methods`` (masked: the provider token is not a personal fact)."""
    async with uow:
        rows = await uow.repo(ShopperRepository).payment_methods(shopper_id)
        return [
            {
                "id": m.id,
                "provider": m.provider,
                "brand": m.brand,
                "card": f"•••• {m.last4}",
                "exp_month": m.exp_month,
                "exp_year": m.exp_year,
                "is_default": m.is_default,
                "created_at": _iso(m.created_at),
            }
            for m in rows
        ]


async def export_sessions(uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """Export section ``sessions``: metadata only, never the token."""
    async with uow:
        rows = await uow.repo(SessionRepository).of_principal(PrincipalKind.SHOPPER, shopper_id)
        return [
            {
                "id": s.id,
                "user_agent": s.user_agent,
                "created_at": _iso(s.created_at),
                "expires_at": _iso(s.expires_at),
            }
            for s in rows
        ]


ACCOUNT_SECTIONS: dict[str, Exporter] = {
    "profile": export_profile,
    "addresses": export_addresses,
    "membership": export_membership,
    "payment_methods": export_payment_methods,
    "sessions": export_sessions,
}


async def export_personal_data(
    *, uow: UnitOfWork, shopper_id: str, exporters: Mapping[str, Exporter]
) -> dict[str, Any]:
    """One document with every registered section about the shopper (one read transaction)."""
    async with uow:
        await uow.repo(ShopperRepository).require(shopper_id)
        sections = {name: await exporter(uow, shopper_id) for name, exporter in exporters.items()}
    return {
        "format": EXPORT_FORMAT,
        "shopper_id": shopper_id,
        "exported_at": clock.now().isoformat(),
        "sections": sections,
    }


async def erase_shopper(
    *, uow: UnitOfWork, shopper_id: str, erasers: Mapping[str, Eraser]
) -> datetime:
    """Erase the shopper everywhere in one transaction; the id stays for accounting rows."""
    now = clock.now()
    async with uow:
        repo = uow.repo(ShopperRepository)
        shopper = await repo.require(shopper_id, lock=True)
        for eraser in erasers.values():
            await eraser(uow, shopper_id)
        sessions = uow.repo(SessionRepository)
        await sessions.delete_throttles([throttle_key(PrincipalKind.SHOPPER, shopper.email)])
        await sessions.delete_of_principal(PrincipalKind.SHOPPER, shopper_id)
        await repo.delete_personal_rows(shopper_id)
        shopper.anonymise(now)
        uow.record(ShopperErased(shopper_id=shopper_id, erased_at=now))
        await uow.commit()
    return now
