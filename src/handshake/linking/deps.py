"""FastAPI dependencies for routes that partners call with an access token.

``require_scopes("offers")`` authenticates the bearer token against the database (no cache:
an unlink or a suspension is honoured by the next call) and refuses a token that lacks a scope
with 403 ``insufficient_scope``, before the route does anything. A call whose token and scopes
are admitted counts as a use of the link (its "last used" time), even if its body is then
refused: the partner did use the link to ask.

``require_scopes_cached(...)`` is the same check for hot read endpoints (offers): a token's
access may be reused from an in-process cache for at most one second (``access_cache``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from handshake.linking import access_cache, secrets_format, service
from handshake.linking.errors import InsufficientScope, InvalidAccessToken, ShopperTokenRequired
from handshake.linking.service import LinkingPolicy, PartnerAccess
from handshake.web.deps import app_services, built_once

partner_bearer = HTTPBearer(
    scheme_name="PartnerAccessToken",
    description="An OAuth access token issued by /oauth/token (`Authorization: Bearer hsat_…`).",
    auto_error=False,
)


async def linking_policy(request: Request) -> LinkingPolicy:
    """The app's linking policy, built once per application."""
    return built_once(request, "linking_policy", LinkingPolicy.from_settings)


Policy = Annotated[LinkingPolicy, Depends(linking_policy)]


async def bearer_token(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(partner_bearer)],
) -> str:
    """The bearer token of the call; 401 ``invalid_token`` when there is none."""
    if bearer is None:
        raise InvalidAccessToken("Send an access token: Authorization: Bearer <token>.")
    return bearer.credentials


BearerToken = Annotated[str, Depends(bearer_token)]


async def partner_access(request: Request, policy: Policy, token: BearerToken) -> PartnerAccess:
    """The access of the bearer token; 401 ``invalid_token`` without a live one."""
    return await service.authenticate_access_token(
        uow=app_services(request).read_uow(), policy=policy, token=token
    )


class ScopeRequirement:
    """A dependency that demands scopes (and, by default, a linked shopper) of the token."""

    def __init__(self, *scopes: str, shopper: bool = True) -> None:
        self.scopes = scopes
        self.shopper = shopper

    async def __call__(
        self,
        request: Request,
        policy: Policy,
        access: Annotated[PartnerAccess, Depends(partner_access)],
    ) -> PartnerAccess:
        """The access, if it carries every required scope (the link's use is then recorded)."""
        missing = [scope for scope in self.scopes if scope not in access.scopes]
        if missing:
            raise InsufficientScope(
                f"This call needs the scope(s) {' '.join(missing)}, which the token lacks.",
                extra={"required_scopes": list(self.scopes), "missing_scopes": missing},
            )
        if self.shopper and not access.has_shopper:
            raise ShopperTokenRequired(
                "This call acts for a shopper: use a token from the shopper's link, not "
                "client credentials."
            )
        if access.touch_due and access.grant_id is not None:
            await service.touch_link(
                uow=app_services(request).uow(), policy=policy, grant_id=access.grant_id
            )
            self.touched(request, access)
        return access

    def touched(self, request: Request, access: PartnerAccess) -> None:
        """Hook called once the link's use was recorded."""


def require_scopes(*scopes: str, shopper: bool = True) -> ScopeRequirement:
    """A dependency demanding ``scopes`` (for ``Annotated[PartnerAccess, Depends(...)]``)."""
    return ScopeRequirement(*scopes, shopper=shopper)


def app_access_cache(request: Request) -> access_cache.AccessCache:
    """The application's access cache (one per application, subscribed to its bus)."""
    cache: access_cache.AccessCache | None = getattr(request.app.state, "access_cache", None)
    if cache is None:
        cache = access_cache.cache_for(app_services(request).read_uow().bus)
        request.app.state.access_cache = cache
    return cache


async def cached_partner_access(
    request: Request, policy: Policy, token: BearerToken
) -> PartnerAccess:
    """As :func:`partner_access`, reusing an admitted answer for at most one second."""
    cache = app_access_cache(request)
    digest = secrets_format.digest(token)
    access = cache.get(digest)
    if access is not None:
        return access

    async def lookup() -> PartnerAccess:
        generation = cache.generation
        found = await service.authenticate_access_token(
            uow=app_services(request).read_uow(), policy=policy, token=token
        )
        cache.put(digest, found, generation=generation)
        return found

    return await cache.lookups.run(digest, lookup)


class CachedScopeRequirement(ScopeRequirement):
    """A :class:`ScopeRequirement` whose token check may come from the one-second cache."""

    async def __call__(
        self,
        request: Request,
        policy: Policy,
        access: Annotated[PartnerAccess, Depends(cached_partner_access)],
    ) -> PartnerAccess:
        """The access, if it carries every required scope (the link's use is then recorded)."""
        return await super().__call__(request, policy, access)

    def touched(self, request: Request, access: PartnerAccess) -> None:
        """Cached copies of the access stop asking for another "last used" write."""
        app_access_cache(request).mark_touched(access.token_id)


def require_scopes_cached(*scopes: str, shopper: bool = True) -> CachedScopeRequirement:
    """As :func:`require_scopes`, for hot read endpoints: revocations show within one second."""
    return CachedScopeRequirement(*scopes, shopper=shopper)
