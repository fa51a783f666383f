"""The authorization endpoint's use cases: validate a request, ask consent, issue a code.

RFC 6749 §4.1.2.1: while the client or its redirect URI is in doubt, errors are shown to the
shopper and never redirected; once both are known good, errors go back to the client with its
``state``. PKCE with S256 is required of every client, public or confidential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from aioauth.errors import OAuth2Error
from aioauth.requests import Request as OAuthRequest
from aioauth.server import AuthorizationState

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.linking import links, wording
from handshake.linking.oauth_server import LinkingAuthorizationServer
from handshake.linking.oauth_storage import LinkingStorage
from handshake.linking.policy import LinkingPolicy
from handshake.linking.repository import LinkingRepository
from handshake.partners import service as partners
from handshake.partners.errors import InvalidClient, PartnerSuspended
from handshake.partners.service import PartnerClientPrincipal


@dataclass(frozen=True)
class ErrorPage:
    """An error shown to the shopper, never sent to an unverified redirect URI."""

    error: str
    description: str


@dataclass(frozen=True)
class Redirect:
    """Send the browser back to the client (with a code, or an error and the state)."""

    location: str


@dataclass(frozen=True)
class SignInNeeded:
    """The shopper must sign in first, then come back to the same URL."""


@dataclass(frozen=True)
class ConsentNeeded:
    """Ask the shopper: ``new`` scopes are not granted yet, ``granted`` already are."""

    client: PartnerClientPrincipal
    new: list[str]
    granted: list[str]
    state: str
    params: dict[str, str] = field(default_factory=dict)

    def optional(self, scope: str) -> bool:
        """Whether the shopper may untick ``scope``."""
        return wording.is_optional(scope)


AuthorizationOutcome = ErrorPage | Redirect | SignInNeeded | ConsentNeeded


def error_location(redirect_uri: str, error: str, description: str, state: str) -> str:
    """The client's redirect URI carrying an RFC 6749 error response."""
    query = {"error": error, "error_description": description}
    if state:
        query["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return redirect_uri + separator + urlencode(query)


@dataclass
class _Checked:
    client: PartnerClientPrincipal
    scopes: list[str]
    server: LinkingAuthorizationServer
    auth_state: AuthorizationState


async def _check(
    uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest
) -> _Checked | ErrorPage | Redirect:
    query = request.query
    if not query.client_id:
        return ErrorPage("invalid_request", "The request names no client_id.")
    try:
        client = await partners.get_active_client(uow=uow, client_id=query.client_id)
    except InvalidClient:
        return ErrorPage("invalid_client", "This app is not registered with the store.")
    except PartnerSuspended:
        return ErrorPage("unauthorized_client", "This app is suspended by the store.")
    if not query.redirect_uri or query.redirect_uri not in client.redirect_uris:
        return ErrorPage("invalid_request", "The app sent an unregistered redirect address.")
    server = LinkingAuthorizationServer(LinkingStorage(uow, policy))
    fail = _redirect_error(query.redirect_uri, query.state)
    try:
        auth_state = await server.validate_authorization_request(request)
    except OAuth2Error as error:
        return fail(error.error, error.description or error.error)
    if query.code_challenge_method != "S256" or not query.code_challenge:
        return fail("invalid_request", "PKCE is required: send code_challenge with method S256.")
    scopes = list(dict.fromkeys(query.scope.split()))
    if not scopes:
        return fail("invalid_scope", "Ask for at least one scope.")
    return _Checked(client=client, scopes=scopes, server=server, auth_state=auth_state)


def _redirect_error(redirect_uri: str, state: str) -> Callable[[str, str], Redirect]:
    def fail(error: str, description: str) -> Redirect:
        return Redirect(error_location(redirect_uri, error, description, state))

    return fail


async def _issue_code(checked: _Checked, grant_id: str, scopes: list[str]) -> Redirect:
    request = checked.auth_state.request
    request.query.scope = " ".join(scopes)
    request.extra["grant_id"] = grant_id
    response = await checked.server.finalize_authorization_response(checked.auth_state)
    return Redirect(response.headers["location"])


async def _assess(
    uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest, shopper_id: str | None
) -> tuple[AuthorizationOutcome, _Checked | None]:
    checked = await _check(uow, policy, request)
    if not isinstance(checked, _Checked):
        return checked, None
    if shopper_id is None:
        return SignInNeeded(), checked
    grant = await uow.repo(LinkingRepository).current_grant(shopper_id, checked.client.partner_id)
    if grant is None or not grant.is_usable(clock.now()):
        grant = None
    if grant is not None and grant.covers(checked.scopes):
        return await _issue_code(checked, grant.id, checked.scopes), checked
    granted = [s for s in checked.scopes if grant is not None and s in grant.scopes]
    consent = ConsentNeeded(
        client=checked.client,
        new=[s for s in checked.scopes if s not in granted],
        granted=granted,
        state=request.query.state,
    )
    return consent, checked


async def begin_authorization(
    *, uow: UnitOfWork, policy: LinkingPolicy, request: OAuthRequest, shopper_id: str | None
) -> AuthorizationOutcome:
    """Validate an authorization request and say what the shopper must see next.

    A shopper who already granted every requested scope is not asked again: the code is issued
    at once.
    """
    async with uow:
        outcome, _ = await _assess(uow, policy, request, shopper_id)
        await uow.commit()
    return outcome


async def decide_authorization(
    *,
    uow: UnitOfWork,
    policy: LinkingPolicy,
    request: OAuthRequest,
    shopper_id: str,
    approve: bool,
    chosen: list[str],
    language: str,
) -> ErrorPage | Redirect:
    """Apply the shopper's answer on the consent page: a code, or ``access_denied``."""
    async with uow:
        outcome, checked = await _assess(uow, policy, request, shopper_id)
        if not isinstance(outcome, ConsentNeeded) or checked is None:
            await uow.commit()  # an auto-approval issued a code meanwhile
            return outcome if isinstance(outcome, ErrorPage | Redirect) else _signed_out()
        fail = _redirect_error(request.query.redirect_uri, request.query.state)
        added = [s for s in outcome.new if not wording.is_optional(s) or s in chosen]
        final = [s for s in checked.scopes if s in outcome.granted or s in added]
        if not approve or not final:
            return fail("access_denied", "The shopper did not allow the link.")
        approved = await links.approve_link(
            uow=uow,
            policy=policy,
            shopper_id=shopper_id,
            client=checked.client,
            scopes=added,
            language=language,
        )
        redirect = await _issue_code(checked, approved.grant.id, final)
        await uow.commit()
    return redirect


def _signed_out() -> ErrorPage:
    return ErrorPage("access_denied", "Sign in again to answer this request.")
