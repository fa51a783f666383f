"""Events of the linking domain, published after the transaction that caused them commits."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class LinkGranted(Event):
    """A shopper approved (or widened) a link to a partner."""

    grant_id: str
    shopper_id: str
    partner_id: str
    scopes: tuple[str, ...]
    scopes_added: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class LinkRevoked(Event):
    """A link ended: by the shopper, the partner, an operator or the system."""

    grant_id: str
    shopper_id: str
    partner_id: str
    revoked_by: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class TokenFamilyRevoked(Event):
    """Tokens were revoked because a code or refresh token was presented twice."""

    family_id: str
    partner_id: str
    grant_id: str | None
    reason: str
