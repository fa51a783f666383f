"""Password sign-in shared by shoppers and operators: throttling, lockout and web sessions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handshake.accounts.errors import InvalidCredentials, InvalidEmail, LoginLocked
from handshake.accounts.models import PrincipalKind, WebSession
from handshake.accounts.passwords import PasswordPolicy, hash_password, verify_password
from handshake.accounts.repository import SessionRepository
from handshake.accounts.secrets_format import digest, new_token
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.settings import SecuritySettings

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_EMAIL_LENGTH = 320


@dataclass(frozen=True)
class AuthPolicy:
    """Password, lockout and session rules (from ``settings.security``)."""

    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    session_ttl: timedelta = timedelta(days=14)

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> AuthPolicy:
        """The policy configured in ``security``."""
        return cls(
            passwords=PasswordPolicy.from_settings(security),
            max_failures=security.login_max_failures,
            lockout=timedelta(minutes=security.login_lockout_minutes),
            session_ttl=timedelta(hours=security.session_ttl_hours),
        )


@dataclass(frozen=True)
class StoredCredentials:
    """What sign-in needs to know about an account."""

    principal_id: str
    password_hash: str


@dataclass(frozen=True)
class IssuedSession:
    """A new web session; ``token`` goes in the cookie and is never stored."""

    session_id: str
    principal_id: str
    token: str
    expires_at: datetime


CredentialsLookup = Callable[[UnitOfWork, str], Awaitable[StoredCredentials | None]]


def normalise_email(raw: str) -> str:
    """Trimmed, lower-cased e-mail; raises ``InvalidEmail`` when it is not one."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(email):
        raise InvalidEmail("Enter a valid e-mail address.", extra={"field": "email"})
    return email


def throttle_key(kind: PrincipalKind, email: str) -> str:
    """The login-throttle key of an e-mail (hashed: unknown e-mails are not stored in clear)."""
    return digest(f"{kind.value}:{email}")


def locked_error(locked_until: datetime, now: datetime) -> LoginLocked:
    """The 429 telling the user when to retry."""
    retry_at = locked_until.replace(microsecond=0)
    seconds = max(1, int((locked_until - now).total_seconds() + 0.999))
    minutes = max(1, round(seconds / 60))
    return LoginLocked(
        f"Too many failed sign-in attempts. Try again after {retry_at:%H:%M} UTC "
        f"(in about {minutes} minute{'s' if minutes != 1 else ''}).",
        retry_after_seconds=seconds,
        extra={"retry_at": retry_at.isoformat()},
    )


async def check_password(
    uow: UnitOfWork,
    *,
    kind: PrincipalKind,
    email: str,
    password: str,
    policy: AuthPolicy,
    lookup: CredentialsLookup,
) -> tuple[StoredCredentials, bool]:
    """The matching account and whether its hash needs upgrading; counts failures.

    The password is verified outside any transaction, so slow hashing never holds a lock.
    """
    key = throttle_key(kind, email)
    async with uow:
        throttle = await uow.repo(SessionRepository).throttle(key)
        now = clock.now()
        if throttle is not None and throttle.locked_until and throttle.is_locked(now):
            raise locked_error(throttle.locked_until, now)
        found = await lookup(uow, email)
    matches, needs_rehash = await verify_password(
        found.password_hash if found else None, password, policy.passwords
    )
    if found is None or not matches:
        async with uow:
            await uow.repo(SessionRepository).record_failure(
                key, now=clock.now(), max_failures=policy.max_failures, lockout=policy.lockout
            )
            await uow.commit()
        raise InvalidCredentials("Wrong e-mail or password.")
    return found, needs_rehash


async def open_session(
    uow: UnitOfWork,
    *,
    kind: PrincipalKind,
    principal_id: str,
    email: str,
    policy: AuthPolicy,
    user_agent: str | None = None,
    replaces_token: str | None = None,
) -> IssuedSession:
    """Inside an open block: reset the throttle, end the replaced session, start a new one."""
    sessions = uow.repo(SessionRepository)
    await sessions.delete_throttles([throttle_key(kind, email)])
    if replaces_token:
        # A fresh session id on every sign-in defeats session fixation.
        await sessions.delete_by_token_hash(digest(replaces_token))
    token = new_token()
    now = clock.now()
    web_session = WebSession(
        id=new_id("ses"),
        token_hash=digest(token),
        principal_kind=kind.value,
        principal_id=principal_id,
        user_agent=(user_agent or "")[:255] or None,
        created_at=now,
        expires_at=now + policy.session_ttl,
    )
    sessions.add(web_session)
    return IssuedSession(
        session_id=web_session.id,
        principal_id=principal_id,
        token=token,
        expires_at=web_session.expires_at,
    )


async def end_session(*, uow: UnitOfWork, token: str) -> None:
    """Sign out: delete the session row of ``token`` (no-op when unknown)."""
    async with uow:
        await uow.repo(SessionRepository).delete_by_token_hash(digest(token))
        await uow.commit()


async def live_session(uow: UnitOfWork, token: str) -> WebSession | None:
    """Inside an open block: the unexpired session of a cookie token, or None."""
    if not token or len(token) > 200:
        return None
    found = await uow.repo(SessionRepository).by_token_hash(digest(token))
    if found is None or not found.is_live(clock.now()):
        return None
    return found


HashStore = Callable[[UnitOfWork, str, str], Awaitable[None]]


async def sign_in_with_password(
    uow: UnitOfWork,
    *,
    kind: PrincipalKind,
    email: str,
    password: str,
    policy: AuthPolicy,
    lookup: CredentialsLookup,
    store_rehash: HashStore,
    user_agent: str | None,
    replaces_token: str | None,
) -> IssuedSession:
    """Check a password (throttled, lockout), upgrade its hash if needed, open a session."""
    address = normalise_email(email)
    found, needs_rehash = await check_password(
        uow, kind=kind, email=address, password=password, policy=policy, lookup=lookup
    )
    # Hash before the transaction: argon2 is slow and must not hold the write lock.
    new_hash = await hash_password(password, policy.passwords) if needs_rehash else None
    async with uow:
        if new_hash is not None:
            await store_rehash(uow, found.principal_id, new_hash)
        issued = await open_session(
            uow,
            kind=kind,
            principal_id=found.principal_id,
            email=address,
            policy=policy,
            user_agent=user_agent,
            replaces_token=replaces_token,
        )
        await uow.commit()
    return issued
