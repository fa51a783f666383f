"""Who is calling: the identities that authentication hands to routes of every domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShopperPrincipal:
    """A signed-in shopper (from the web session cookie)."""

    id: str
    email: str
    name: str | None
    locale: str
    is_member: bool
    session_id: str


@dataclass(frozen=True)
class OperatorPrincipal:
    """A signed-in operator (API key or operator web session)."""

    id: str
    email: str
    name: str
    api_key_id: str | None = None
    session_id: str | None = None
