"""Request and response bodies of the accounts JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from handshake.accounts.models import Address, Membership, OperatorApiKey, PaymentMethod

Locale = Literal["en", "fr"]


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused (a card number cannot sneak in)."""

    model_config = ConfigDict(extra="forbid")


class SignUpIn(Request):
    """A new shopper account."""

    email: str = Field(min_length=3, max_length=320, examples=["ada@example.com"])
    password: str = Field(min_length=1, max_length=1024)
    name: str | None = Field(default=None, max_length=200)
    locale: Locale = "en"


class SignInIn(Request):
    """E-mail and password."""

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    """The account signed in; the session itself travels in the HttpOnly cookie."""

    id: str
    kind: Literal["shopper", "operator"]
    expires_at: datetime


class MembershipOut(BaseModel):
    """Membership dates and whether it is active now."""

    tier: str
    starts_at: datetime
    ends_at: datetime | None
    active: bool

    @classmethod
    def of(cls, membership: Membership | None, now: datetime) -> MembershipOut | None:
        """The response for ``membership`` (None without one)."""
        if membership is None:
            return None
        return cls(
            tier=membership.tier,
            starts_at=membership.starts_at,
            ends_at=membership.ends_at,
            active=membership.is_active(now),
        )


class ShopperOut(BaseModel):
    """The shopper's own profile."""

    id: str
    email: str
    name: str | None
    locale: str
    is_member: bool
    membership: MembershipOut | None
    created_at: datetime


class ProfilePatch(Request):
    """Fields to change; ``name: null`` removes the name."""

    name: str | None = Field(default=None, max_length=200)
    locale: Locale | None = None


class AddressIn(Request):
    """A new address."""

    name: str | None = Field(default=None, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(min_length=2, max_length=2, examples=["FR"])
    is_default: bool = False


class AddressPatch(Request):
    """Address fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    line1: str | None = Field(default=None, min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, min_length=1, max_length=100)
    postal_code: str | None = Field(default=None, min_length=1, max_length=20)
    country: str | None = Field(default=None, min_length=2, max_length=2)


class AddressOut(BaseModel):
    """A saved address."""

    id: str
    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str
    is_default: bool

    @classmethod
    def of(cls, address: Address) -> AddressOut:
        """The response for ``address``."""
        return cls.model_validate(address, from_attributes=True)


class PaymentMethodIn(Request):
    """A tokenised card from the payments provider: never a card number."""

    provider: str = Field(min_length=2, max_length=40, examples=["sandbox"])
    token: str = Field(min_length=1, max_length=255, examples=["tok_sandbox_visa"])
    brand: str = Field(min_length=1, max_length=40, examples=["visa"])
    last4: str = Field(pattern=r"^\d{4}$", examples=["4242"])
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    make_default: bool = False


class PaymentMethodOut(BaseModel):
    """A saved payment method as shown to its owner (the provider token is not returned)."""

    id: str
    provider: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool

    @classmethod
    def of(cls, method: PaymentMethod) -> PaymentMethodOut:
        """The response for ``method``."""
        return cls.model_validate(method, from_attributes=True)


class MembershipIn(Request):
    """Grant a membership (dates default to now / open-ended) or end it now."""

    action: Literal["grant", "end"] = "grant"
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class ApiKeyIn(Request):
    """A label to recognise the key later."""

    label: str = Field(default="default", min_length=1, max_length=100)


class ApiKeyIssuedOut(BaseModel):
    """A new key: ``key`` is shown this once and never again."""

    id: str
    label: str
    key: str


class ApiKeyOut(BaseModel):
    """An API key's metadata."""

    id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, api_key: OperatorApiKey) -> ApiKeyOut:
        """The response for ``api_key``."""
        return cls.model_validate(api_key, from_attributes=True)
