"""Password hashing with argon2id: policy from settings, rehash on parameter change, dummy checks.

Hashing is CPU-bound for tens of milliseconds, so it runs in a worker thread and never blocks the
event loop serving other requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from handshake.settings import SecuritySettings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
_DUMMY_PASSWORD = "not-a-real-password-only-for-timing"  # noqa: S105  # only hashed for timing


@dataclass(frozen=True)
class PasswordPolicy:
    """argon2 cost parameters and the minimum length of new passwords."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 1
    min_length: int = MIN_PASSWORD_LENGTH

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> PasswordPolicy:
        """The policy configured in ``security``."""
        return cls(
            time_cost=security.argon2_time_cost,
            memory_kib=security.argon2_memory_kib,
            parallelism=security.argon2_parallelism,
        )


@lru_cache(maxsize=8)
def _hasher(policy: PasswordPolicy) -> PasswordHasher:
    return PasswordHasher(
        time_cost=policy.time_cost, memory_cost=policy.memory_kib, parallelism=policy.parallelism
    )


@lru_cache(maxsize=8)
def _dummy_hash(policy: PasswordPolicy) -> str:
    return _hasher(policy).hash(_DUMMY_PASSWORD)


def password_problem(password: str, policy: PasswordPolicy) -> str | None:
    """Why ``password`` is not acceptable for a new account, or None."""
    if len(password) < policy.min_length:
        return f"The password must have at least {policy.min_length} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"The password must have at most {MAX_PASSWORD_LENGTH} characters."
    return None


async def hash_password(password: str, policy: PasswordPolicy) -> str:
    """An argon2id hash of ``password`` with ``policy``'s parameters."""
    return await asyncio.to_thread(_hasher(policy).hash, password)


def _verify(stored_hash: str | None, password: str, policy: PasswordPolicy) -> tuple[bool, bool]:
    hasher = _hasher(policy)
    # Unknown accounts (and unusable hashes) are checked against a dummy hash so the time
    # taken does not reveal whether the e-mail has an account.
    usable = stored_hash is not None and stored_hash.startswith("$argon2")
    target = stored_hash if usable and stored_hash is not None else _dummy_hash(policy)
    try:
        hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if not usable:
        return False, False
    return True, hasher.check_needs_rehash(target)


async def verify_password(
    stored_hash: str | None, password: str, policy: PasswordPolicy
) -> tuple[bool, bool]:
    """``(matches, needs_rehash)``; always spends one argon2 verification, even without a hash."""
    return await asyncio.to_thread(_verify, stored_hash, password[:MAX_PASSWORD_LENGTH], policy)
