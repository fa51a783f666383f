"""Use cases of account linking, as delivery code (HTTP, CLI, tasks) calls them.

The authorization endpoint's steps live in ``authorization``, links (grants) in ``links``,
token lookups in ``token_ledger``; this module re-exports them and runs the token,
introspection and revocation endpoints through aioauth inside one unit of work each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from aioauth.config import Settings as OAuthSettings
from aioauth.requests import Request as OAuthRequest
from aioauth.responses import Response as OAuthResponse

from handshake.accounts import service as accounts
from handshake.accounts.models import is_member
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.linking.authorization import AuthorizationOutcome as AuthorizationOutcome
from handshake.linking.authorization import ConsentNeeded as ConsentNeeded
from handshake.linking.authorization import ErrorPage as ErrorPage
from handshake.linking.authorization import Redirect as Redirect
from handshake.linking.authorization import SignInNeeded as SignInNeeded
from handshake.linking.authorization import begin_authorization as begin_authorization
from handshake.linking.authorization import decide_authorization as decide_authorization
from handshake.linking.links import LinkView as LinkView
from handshake.linking.links import end_links_of_shopper as end_links_of_shopper
from handshake.linking.links import export_links as export_links
from handshake.linking.links import get_link as get_link
from handshake.linking.links import get_receipt as get_receipt
from handshake.linking.links import link_allows as link_allows
from handshake.linking.links import list_links as list_links
from handshake.linking.links import record_link_activity as record_link_activity
from handshake.linking.links import subject_of as subject_of
from handshake.linking.links import unlink as unlink
from handshake.linking.oauth_server import LinkingAuthorizationServer
from handshake.linking.oauth_storage import LinkingStorage
from handshake.linking.policy import LinkingPolicy as LinkingPolicy
from handshake.linking.repository import LinkingRepository
from handshake.linking.token_ledger import PartnerAccess as PartnerAccess
from handshake.linking.token_ledger import TokenLedger
from handshake.partners.kinds import PartnerKind
from handshake.partners.scopes import SCOPES

GRANT_TYPES = ["authorization_code", "refresh_token", "client_credentials"]


def oauth_settings(policy: LinkingPolicy) -> OAuthSettings:
    """aioauth's settings for ``policy`` (lifetimes are ours; transport rule configurable)."""
    return OAuthSettings(
        TOKEN_EXPIRES_IN=int(policy.access_token_lifetime.total_seconds()),
        REFRESH_TOKEN_EXPIRES_IN=int(policy.refresh_token_lifetime.total_seconds()),
        AUTHORIZATION_CODE_EXPIRES_IN=int(policy.code_lifetime.total_seconds()),
        INSECURE_TRANSPORT=policy.insecure_transport,
    )


def _server(uow: UnitOfWork, policy: LinkingPolicy) -> LinkingAuthorizationServer:
    return LinkingAuthorizationServer(LinkingStorage(uow, policy))


async def exchange_token(
    *, uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest
) -> OAuthResponse:
    """The token endpoint (RFC 6749 §3.2): codes, refresh tokens, client credentials."""
    async with uow:
        response = await _server(uow, policy).create_token_response(request)
        if response.status_code == HTTPStatus.OK:
            await uow.commit()
    return response


async def introspect_token(
    *, uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest
) -> OAuthResponse:
    """The introspection endpoint (RFC 7662) for partners' resource servers."""
    async with uow:
        return await _server(uow, policy).create_token_introspection_response(request)


async def revoke_token(
    *, uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest
) -> OAuthResponse:
    """The revocation endpoint (RFC 7009)."""
    async with uow:
        return await _server(uow, policy).revoke_token(request)


async def authenticate_access_token(
    *, uow: UnitOfWork, policy: LinkingPolicy, token: str
) -> PartnerAccess:
    """What a bearer token lets its partner do, checked against the database now."""
    return await TokenLedger(uow, policy).authenticate(token)


async def touch_link(*, uow: UnitOfWork, policy: LinkingPolicy, grant_id: str) -> None:
    """Record that a partner used the link now."""
    await TokenLedger(uow, policy).touch(grant_id)


@dataclass(frozen=True)
class PurgedCredentials:
    """How many dead codes and tokens a purge removed."""

    codes: int
    tokens: int


async def purge_dead_credentials(*, uow: UnitOfWork, older_than: timedelta) -> PurgedCredentials:
    """Delete codes and tokens unusable for longer than ``older_than`` (links and history stay).

    Rows are kept a while after death on purpose: a replayed code or rotated refresh token is
    only recognised (and its family revoked) while its row exists.
    """
    cutoff = clock.now() - older_than
    async with uow:
        repo = uow.repo(LinkingRepository)
        purged = PurgedCredentials(
            codes=await repo.purge_codes(expired_before=cutoff),
            tokens=await repo.purge_tokens(dead_before=cutoff),
        )
        await uow.commit()
    return purged


def server_metadata(policy: LinkingPolicy) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414)."""
    issuer = policy.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "service_documentation": f"{issuer}/docs",
        "ui_locales_supported": ["en", "fr"],
        "handshake_partner_kinds": {
            kind.value: [s.name for s in SCOPES.values() if s.allowed_for(kind)]
            for kind in PartnerKind
        },
    }


@dataclass(frozen=True)
class PartnerShopperProfile:
    """The name and membership status a ``profile`` scope reveals, with the pairwise subject."""

    sub: str
    name: str | None
    is_member: bool
    membership_tier: str | None


async def shopper_profile(*, uow: UnitOfWork, access: PartnerAccess) -> PartnerShopperProfile:
    """What the partner of ``access`` may know of its linked shopper (never e-mail/address)."""
    # ScopeRequirement admits only shopper tokens here.
    assert access.shopper_id is not None
    assert access.subject is not None
    async with uow:
        shopper = await accounts.get_shopper(uow=uow, shopper_id=access.shopper_id)
        membership = await accounts.get_membership(uow=uow, shopper_id=access.shopper_id)
    member = is_member(membership, clock.now())
    return PartnerShopperProfile(
        sub=access.subject,
        name=shopper.name,
        is_member=member,
        membership_tier=membership.tier if member and membership else None,
    )
