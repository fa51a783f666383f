"""Use cases of the offer-signing keys: the process keyring, rotation, the published JWKS.

A process keeps the keyring it loaded for ``keyring_refresh_seconds``; when a token names a key
it does not know (rotated by another process), it reloads at most once a second. The first offer
of a fresh installation creates the first key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.offers.errors import SigningKeyUnavailable
from handshake.offers.events import SigningKeyRotated
from handshake.offers.models import OfferSigningKey
from handshake.offers.policy import OfferPolicy
from handshake.offers.read_cache import caches_of
from handshake.offers.repository import OffersRepository
from handshake.offers.signing_keys import Keyring, build_keyring, new_signing_key

RELOAD_FLOOR_SECONDS = 1.0


@dataclass(frozen=True)
class RotatedKey:
    """The key that now signs and those it retired."""

    kid: str
    retired_kids: list[str]


async def _load(uow: UnitOfWork, policy: OfferPolicy, now: datetime) -> Keyring:
    async with uow:
        rows = await uow.repo(OffersRepository).signing_keys()
    keyring = build_keyring(rows, policy.wrapper, now=now, loaded_at=now.timestamp())
    caches_of(uow, policy).keyring = keyring
    return keyring


async def verification_keyring(
    *, uow: UnitOfWork, policy: OfferPolicy, kid: str | None = None
) -> Keyring:
    """The keyring to verify with; reloaded when stale or when it lacks ``kid``."""
    now = clock.now()
    keyring = caches_of(uow, policy).keyring
    if keyring is None:
        return await _load(uow, policy, now)
    age = now.timestamp() - keyring.loaded_at
    stale = age >= policy.keyring_refresh_seconds
    unknown = kid is not None and kid not in keyring.verifiers and age >= RELOAD_FLOOR_SECONDS
    return await _load(uow, policy, now) if stale or unknown else keyring


async def signing_keyring(*, uow: UnitOfWork, writer: UnitOfWork, policy: OfferPolicy) -> Keyring:
    """The keyring to sign with, creating the first key (or one we can unwrap) when needed."""
    keyring = await verification_keyring(uow=uow, policy=policy)
    if keyring.signer is not None:
        return keyring
    await rotate_signing_key(uow=writer, policy=policy)
    keyring = await _load(uow, policy, clock.now())
    if keyring.signer is None:
        raise SigningKeyUnavailable("No offer-signing key can be used; rotate a new one in.")
    return keyring


async def rotate_signing_key(*, uow: UnitOfWork, policy: OfferPolicy) -> RotatedKey:
    """A new key signs from now on; the others retire but verify while their tokens live."""
    now = clock.now()
    row, _private = new_signing_key(policy.wrapper)
    row.created_at = now
    async with uow:
        repo = uow.repo(OffersRepository)
        repo.add(row)
        await uow.flush()
        retired = await repo.retire_signing_keys(
            except_kid=row.kid, at=now, verify_until=now + policy.key_verify_margin
        )
        uow.record(SigningKeyRotated(kid=row.kid, retired_kids=tuple(retired)))
        await uow.commit()
    caches = caches_of(uow, policy)
    caches.keyring = None  # this process signs with the new key at once,
    caches.responses.clear()  # and serves no answer carrying a token of the old one
    return RotatedKey(kid=row.kid, retired_kids=retired)


async def list_signing_keys(*, uow: UnitOfWork) -> list[OfferSigningKey]:
    """Every stored key, oldest first."""
    async with uow:
        return await uow.repo(OffersRepository).signing_keys()


@dataclass(frozen=True)
class SigningKeyView:
    """A key as the CLI lists it (times as text)."""

    kid: str
    created_at: str
    retired_at: str
    expires_at: str
    state: str


def _text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


async def signing_key_views(*, uow: UnitOfWork) -> list[SigningKeyView]:
    """Every stored key with its state: ``signing``, ``verifying`` or ``expired``."""
    now = clock.now()
    views = []
    for row in await list_signing_keys(uow=uow):
        state = (
            "signing" if row.signs_at(now) else "verifying" if row.verifies_at(now) else "expired"
        )
        views.append(
            SigningKeyView(
                row.kid, _text(row.created_at), _text(row.retired_at), _text(row.expires_at), state
            )
        )
    return views


async def public_jwks(*, uow: UnitOfWork, policy: OfferPolicy) -> dict[str, Any]:
    """The JWK Set of every key whose tokens may still be presented (RFC 7517 §5)."""
    now = clock.now()
    rows = await list_signing_keys(uow=uow)
    return {"keys": [row.public_jwk for row in rows if row.verifies_at(now)]}
