"""Use cases of a shopper's delivery addresses; exactly one is the default.

Changes take the shopper row lock first (PostgreSQL; SQLite writers are serialised anyway), so
concurrent "make this the default" requests leave exactly one default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from handshake.accounts.countries import is_country
from handshake.accounts.errors import AddressNotFound, InvalidAddress
from handshake.accounts.models import Address
from handshake.accounts.repository import ShopperRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel.ids import new_id

_POSTAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,11}$")
_FR_POSTAL_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class AddressFields:
    """Validated address content."""

    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


def _required(value: str | None, field: str, limit: int) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidAddress(f"The {field.replace('_', ' ')} is required.", extra={"field": field})
    if len(cleaned) > limit:
        message = f"The {field.replace('_', ' ')} is too long (at most {limit} characters)."
        raise InvalidAddress(message, extra={"field": field})
    return cleaned


def validate_address(
    *, name: str, line1: str, line2: str | None, city: str, postal_code: str, country: str
) -> AddressFields:
    """Trimmed, checked fields; ``invalid_address`` names the faulty field."""
    code = (country or "").strip().upper()
    if not is_country(code):
        message = "The country must be an ISO 3166-1 alpha-2 code such as FR."
        raise InvalidAddress(message, extra={"field": "country"})
    postal = " ".join((postal_code or "").strip().upper().split())
    if not _POSTAL_RE.match(postal) or (code == "FR" and not _FR_POSTAL_RE.match(postal)):
        raise InvalidAddress("The postal code is not valid.", extra={"field": "postal_code"})
    extra_line = (line2 or "").strip()[:200] or None
    return AddressFields(
        name=_required(name, "name", 200),
        line1=_required(line1, "line1", 200),
        line2=extra_line,
        city=_required(city, "city", 100),
        postal_code=postal,
        country=code,
    )


async def list_addresses(*, uow: UnitOfWork, shopper_id: str) -> Sequence[Address]:
    """The shopper's addresses, oldest first."""
    async with uow:
        return await uow.repo(ShopperRepository).addresses(shopper_id)


async def add_address(
    *,
    uow: UnitOfWork,
    shopper_id: str,
    line1: str,
    city: str,
    postal_code: str,
    country: str,
    name: str | None = None,
    line2: str | None = None,
    is_default: bool = False,
) -> Address:
    """Save an address; the first one (or ``is_default``) becomes the only default."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        shopper = await repo.require(shopper_id, lock=True)
        fields = validate_address(
            name=name or shopper.name or "",
            line1=line1,
            line2=line2,
            city=city,
            postal_code=postal_code,
            country=country,
        )
        first = not await repo.addresses(shopper_id)
        address = Address(id=new_id("adr"), shopper_id=shopper_id, is_default=False, **vars(fields))
        repo.add(address)
        await uow.flush()
        if first or is_default:
            await repo.set_default(Address, shopper_id, address.id)
        await uow.commit()
    return address


async def _owned_address(repo: ShopperRepository, shopper_id: str, address_id: str) -> Address:
    found = await repo.get_owned(Address, shopper_id, address_id)
    if not isinstance(found, Address):
        raise AddressNotFound(f"No address {address_id}.")
    return found


async def update_address(
    *, uow: UnitOfWork, shopper_id: str, address_id: str, changes: dict[str, str | None]
) -> Address:
    """Change some fields of an address (``name``, ``line1``, ``line2``, ``city``…)."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        address = await _owned_address(repo, shopper_id, address_id)
        current = {
            "name": address.name,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
        }
        current.update({k: v for k, v in changes.items() if k in current})
        fields = validate_address(**{k: v or "" for k, v in current.items()})
        for key, value in vars(fields).items():
            setattr(address, key, value)
        await uow.commit()
    return address


async def set_default_address(*, uow: UnitOfWork, shopper_id: str, address_id: str) -> Address:
    """Make this address the default; the previous default stops being one."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        address = await _owned_address(repo, shopper_id, address_id)
        await repo.set_default(Address, shopper_id, address_id)
        await uow.commit()
    return address


async def delete_address(*, uow: UnitOfWork, shopper_id: str, address_id: str) -> None:
    """Delete an address; when it was the default, the oldest remaining one takes over."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        address = await _owned_address(repo, shopper_id, address_id)
        was_default = address.is_default
        await repo.delete_owned(address)
        remaining = await repo.addresses(shopper_id)
        if was_default and remaining:
            await repo.set_default(Address, shopper_id, remaining[0].id)
        await uow.commit()
