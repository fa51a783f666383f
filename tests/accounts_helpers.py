"""Shared test helpers of the accounts domain: operator API keys, signed-in shoppers, fakes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from handshake.accounts import service
from handshake.accounts.errors import ShopperNotFound
from handshake.accounts.models import (
    Address,
    LoginThrottle,
    Membership,
    Operator,
    OperatorApiKey,
    PaymentMethod,
    Shopper,
    WebSession,
)
from handshake.accounts.passwords import PasswordPolicy
from handshake.accounts.repository import (
    OperatorRepository,
    Owned,
    SessionRepository,
    ShopperRepository,
    ThrottleState,
)
from handshake.bootstrap import Container
from handshake.kernel.errors import DomainError
from handshake.web.csrf import CSRF_COOKIE
from tests.fakes import FakeUnitOfWork

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@dataclass(frozen=True)
class ShopperLogin:
    """A shopper signed up and signed in through HTTP with ``client``'s cookie jar."""

    shopper_id: str
    email: str
    password: str
    session_token: str
    csrf_token: str

    @property
    def csrf_headers(self) -> dict[str, str]:
        """Headers a cookie-authenticated JSON mutation must send."""
        return {"X-CSRF-Token": self.csrf_token}


def policy_of(container: Container) -> PasswordPolicy:
    """The (cheap, in tests) password policy of ``container``."""
    return PasswordPolicy.from_settings(container.settings.security)


async def operator_headers(container: Container, *, email: str | None = None) -> dict[str, str]:
    """Create an operator with an API key; ``{"Authorization": "Bearer hsk_…"}``."""
    address = email or f"operator{next(_counter)}@shop.example"
    operator = await service.create_operator(
        uow=container.uow(),
        email=address,
        password=PASSWORD,
        name="Test Operator",
        password_policy=policy_of(container),
    )
    issued = await service.issue_operator_api_key(
        uow=container.uow(), operator_id=operator.id, label="tests"
    )
    return {"Authorization": f"Bearer {issued.key}"}


async def signed_in_shopper(
    client: httpx.AsyncClient,
    container: Container,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    name: str = "Test Shopper",
    member: bool = False,
) -> ShopperLogin:
    """Sign up through ``POST /api/v1/auth/signup`` (the client keeps the session cookie)."""
    address = email or f"shopper{next(_counter)}@example.com"
    # A client already signed in must echo the CSRF cookie (the new session replaces the old).
    existing_csrf = client.cookies.get(CSRF_COOKIE)
    response = await client.post(
        "/api/v1/auth/signup",
        json={"email": address, "password": password, "name": name},
        headers={"X-CSRF-Token": existing_csrf} if existing_csrf else {},
    )
    assert response.status_code == 201, response.text
    shopper_id = response.json()["id"]
    if member:
        await service.set_membership(uow=container.uow(), shopper_id=shopper_id)
    cookie = container.settings.security.session_cookie
    return ShopperLogin(
        shopper_id=shopper_id,
        email=address,
        password=password,
        session_token=client.cookies[cookie],
        csrf_token=client.cookies[CSRF_COOKIE],
    )


class FakeShopperRepository(ShopperRepository):
    """ShopperRepository over dicts."""

    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.shoppers: dict[str, Shopper] = {}
        self.rows: dict[str, Address | PaymentMethod] = {}
        self.memberships: dict[str, Membership] = {}

    def add(self, entity: Shopper | Address | Membership | PaymentMethod) -> None:
        if isinstance(entity, Shopper):
            self.shoppers[entity.id] = entity
        elif isinstance(entity, Membership):
            self.memberships[entity.shopper_id] = entity
        else:
            self.rows[entity.id] = entity

    async def flush_unique(self, error: DomainError) -> None:
        emails = [s.email for s in self.shoppers.values()]
        if len(emails) != len(set(emails)):
            raise error

    async def get(self, shopper_id: str) -> Shopper | None:
        return self.shoppers.get(shopper_id)

    async def require(self, shopper_id: str, *, lock: bool = False) -> Shopper:
        shopper = self.shoppers.get(shopper_id)
        if shopper is None or shopper.is_erased:
            raise ShopperNotFound(f"No shopper {shopper_id}.")
        return shopper

    async def by_email(self, email: str) -> Shopper | None:
        return next((s for s in self.shoppers.values() if s.email == email), None)

    async def membership(self, shopper_id: str) -> Membership | None:
        return self.memberships.get(shopper_id)

    def _owned(self, kind: type[Any], shopper_id: str) -> list[Any]:
        return [
            r
            for _, r in sorted(self.rows.items())
            if isinstance(r, kind) and r.shopper_id == shopper_id
        ]

    async def addresses(self, shopper_id: str) -> Sequence[Address]:
        return self._owned(Address, shopper_id)

    async def payment_methods(self, shopper_id: str) -> Sequence[PaymentMethod]:
        return self._owned(PaymentMethod, shopper_id)

    async def get_owned(self, kind: type[Owned], shopper_id: str, item_id: str) -> Owned | None:
        row = self.rows.get(item_id)
        return row if isinstance(row, kind) and row.shopper_id == shopper_id else None

    async def set_default(self, kind: type[Owned], shopper_id: str, item_id: str) -> None:
        for row in self._owned(kind, shopper_id):
            row.is_default = row.id == item_id

    async def delete_owned(self, item: Owned) -> None:
        del self.rows[item.id]

    async def delete_personal_rows(self, shopper_id: str) -> None:
        for row in self._owned(Address, shopper_id) + self._owned(PaymentMethod, shopper_id):
            del self.rows[row.id]


class FakeSessionRepository(SessionRepository):
    """SessionRepository over dicts."""

    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.sessions: dict[str, WebSession] = {}
        self.throttles: dict[str, LoginThrottle] = {}

    def add(self, web_session: WebSession) -> None:
        self.sessions[web_session.token_hash] = web_session

    async def by_token_hash(self, token_hash: str) -> WebSession | None:
        return self.sessions.get(token_hash)

    async def of_principal(self, kind: str, principal_id: str) -> Sequence[WebSession]:
        return [
            s
            for s in self.sessions.values()
            if s.principal_kind == kind and s.principal_id == principal_id
        ]

    async def delete_by_token_hash(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)

    async def delete_of_principal(self, kind: str, principal_id: str) -> None:
        for found in await self.of_principal(kind, principal_id):
            del self.sessions[found.token_hash]

    async def throttle(self, key: str) -> LoginThrottle | None:
        return self.throttles.get(key)

    async def record_failure(
        self, key: str, *, now: datetime, max_failures: int, lockout: timedelta
    ) -> ThrottleState:
        row = self.throttles.setdefault(key, LoginThrottle(key=key, failures=0, locked_until=None))
        lapsed = row.locked_until is not None and row.locked_until <= now
        row.failures = 1 if lapsed else row.failures + 1
        if row.failures >= max_failures:
            row.locked_until = now + lockout
        elif lapsed:
            row.locked_until = None
        row.last_failure_at = now
        return ThrottleState(failures=row.failures, locked_until=row.locked_until)

    async def delete_throttles(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.throttles.pop(key, None)


class FakeOperatorRepository(OperatorRepository):
    """OperatorRepository over dicts."""

    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.operators: dict[str, Operator] = {}
        self.keys: dict[str, OperatorApiKey] = {}

    def add(self, entity: Operator | OperatorApiKey) -> None:
        if isinstance(entity, Operator):
            self.operators[entity.id] = entity
        else:
            self.keys[entity.id] = entity

    async def flush_unique(self, error: DomainError) -> None:
        emails = [o.email for o in self.operators.values()]
        if len(emails) != len(set(emails)):
            raise error

    async def get(self, operator_id: str) -> Operator | None:
        return self.operators.get(operator_id)

    async def by_email(self, email: str) -> Operator | None:
        return next((o for o in self.operators.values() if o.email == email), None)

    async def key_with_operator(self, key_id: str) -> tuple[OperatorApiKey, Operator] | None:
        key = self.keys.get(key_id)
        return None if key is None else (key, self.operators[key.operator_id])

    async def keys_of(self, operator_id: str) -> Sequence[OperatorApiKey]:
        return [k for _, k in sorted(self.keys.items()) if k.operator_id == operator_id]

    async def touch_key(self, key_id: str, *, now: datetime, stale_before: datetime) -> None:
        key = self.keys[key_id]
        if key.last_used_at is None or key.last_used_at < stale_before:
            key.last_used_at = now


@dataclass
class FakeAccounts:
    """A fake unit of work with every accounts repository, and handles on each."""

    shoppers: FakeShopperRepository
    sessions: FakeSessionRepository
    operators: FakeOperatorRepository
    uow: FakeUnitOfWork


def fake_accounts() -> FakeAccounts:
    """Fresh in-memory accounts storage."""
    shoppers, sessions, operators = (
        FakeShopperRepository(),
        FakeSessionRepository(),
        FakeOperatorRepository(),
    )
    uow = FakeUnitOfWork(
        {ShopperRepository: shoppers, SessionRepository: sessions, OperatorRepository: operators}
    )
    return FakeAccounts(shoppers=shoppers, sessions=sessions, operators=operators, uow=uow)
