"""Entities of the accounts domain: shoppers and what they keep with us, operators, sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, created_at_column, id_column, updated_at_column

MEMBER_TIER = "member"
UNUSABLE_PASSWORD = "!unusable"  # noqa: S105  # not a secret: a hash no password matches
# Partial unique indexes (both backends): at most one default row per shopper.
_IS_DEFAULT = text("is_default")


class PrincipalKind(StrEnum):
    """Who a web session or a login throttle belongs to."""

    SHOPPER = "shopper"
    OPERATOR = "operator"


class Shopper(Base):
    """A customer account; erased accounts keep their id (accounting rows point at it)."""

    __tablename__ = "shoppers"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(2), default="en")
    password_hash: Mapped[str] = mapped_column(String(255))
    erased_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def is_erased(self) -> bool:
        """Whether the account was anonymised."""
        return self.erased_at is not None

    def anonymise(self, now: datetime) -> None:
        """Forget who this was while keeping the row (and its id) for accounting."""
        self.email = f"erased+{self.id}@invalid"
        self.name = None
        self.password_hash = UNUSABLE_PASSWORD
        self.erased_at = now


class Address(Base):
    """A delivery address; exactly one per shopper is the default."""

    __tablename__ = "shopper_addresses"
    __table_args__ = (
        Index(
            "uq_shopper_addresses_one_default",
            "shopper_id",
            unique=True,
            sqlite_where=_IS_DEFAULT,
            postgresql_where=_IS_DEFAULT,
        ),
    )

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Membership(Base):
    """The shopper's paid membership (tier ``member``): member prices, faster delivery."""

    __tablename__ = "shopper_memberships"

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), unique=True)
    tier: Mapped[str] = mapped_column(String(20), default=MEMBER_TIER)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    def is_active(self, now: datetime) -> bool:
        """Whether the membership covers ``now`` (start inclusive, end exclusive)."""
        return self.starts_at <= now and (self.ends_at is None or now < self.ends_at)


def is_member(membership: Membership | None, now: datetime) -> bool:
    """Whether a shopper with ``membership`` is a member at ``now``."""
    return membership is not None and membership.is_active(now)


class PaymentMethod(Base):
    """A saved card: only the provider's token and what may be shown (brand, last4, expiry)."""

    __tablename__ = "shopper_payment_methods"
    __table_args__ = (
        Index(
            "uq_shopper_payment_methods_one_default",
            "shopper_id",
            unique=True,
            sqlite_where=_IS_DEFAULT,
            postgresql_where=_IS_DEFAULT,
        ),
    )

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    provider_token: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str] = mapped_column(String(40))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int] = mapped_column(Integer)
    exp_year: Mapped[int] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()

    def is_expired(self, now: datetime) -> bool:
        """Cards are valid through the last day of their expiry month."""
        return card_expired(self.exp_month, self.exp_year, now)


def card_expired(exp_month: int, exp_year: int, now: datetime) -> bool:
    """Whether a card expiring ``exp_month/exp_year`` is expired at ``now``."""
    return (exp_year, exp_month) < (now.year, now.month)


class WebSession(Base):
    """A signed-in browser; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_principal", "principal_kind", "principal_id"),)

    id: Mapped[str] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    principal_kind: Mapped[str] = mapped_column(String(20))
    principal_id: Mapped[str] = mapped_column(String(32))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column()

    def is_live(self, now: datetime) -> bool:
        """Whether the session has not expired."""
        return now < self.expires_at


class LoginThrottle(Base):
    """Consecutive failed sign-ins per (kind, normalised e-mail), shared by every process."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_failure_at: Mapped[datetime | None] = mapped_column()

    def is_locked(self, now: datetime) -> bool:
        """Whether sign-ins are refused at ``now``."""
        return self.locked_until is not None and now < self.locked_until


class Operator(Base):
    """Merchant staff with the ``operator`` role."""

    __tablename__ = "operators"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="operator")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class OperatorApiKey(Base):
    """An admin API key ``hsk_<keyid>_<secret>``; only the SHA-256 of the secret is kept."""

    __tablename__ = "operator_api_keys"

    id: Mapped[str] = id_column()
    operator_id: Mapped[str] = mapped_column(ForeignKey("operators.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    @property
    def is_revoked(self) -> bool:
        """Whether the key was revoked."""
        return self.revoked_at is not None
