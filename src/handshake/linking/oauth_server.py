"""The aioauth authorization server, restricted and completed for handshake.

- Only the ``code`` response type and the authorization-code, refresh-token and
  client-credentials grants exist (no implicit, no password grant).
- A failed PKCE check answers ``invalid_grant`` (RFC 7636 §4.6), not aioauth's own code, and
  so does a redirect URI differing from the authorization request's (RFC 6749 §5.2), even an
  unregistered one (aioauth says ``invalid_request``).
- Introspection (RFC 7662) and revocation (RFC 7009) follow handshake's rules: a partner sees
  only its own tokens, and revoking a refresh token ends the link it belongs to.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aioauth.constances import default_headers
from aioauth.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRedirectURIError,
    InvalidRequestError,
    MismatchingStateError,
    UnsupportedTokenTypeError,
)
from aioauth.grant_type import (
    AuthorizationCodeGrantType,
    ClientCredentialsGrantType,
    RefreshTokenGrantType,
)
from aioauth.models import Client
from aioauth.requests import Request as OAuthRequest
from aioauth.response_type import ResponseTypeAuthorizationCode
from aioauth.responses import Response as OAuthResponse
from aioauth.server import AuthorizationServer
from aioauth.utils import catch_errors_and_unavailability

from handshake.linking.oauth_storage import LinkingStorage
from handshake.linking.token_ledger import TokenLedger

TOKEN_TYPE_HINTS = {"access_token", "refresh_token"}


class PkceAuthorizationCodeGrant(AuthorizationCodeGrantType):
    """The code grant, where a wrong or missing PKCE verifier is an ``invalid_grant``."""

    async def validate_request(self, request: OAuthRequest) -> Client:
        """Validate as aioauth does (client first), mapping PKCE failures to RFC 7636's error."""
        try:
            return await super().validate_request(request)
        except InvalidRequestError:
            if request.post.code and not request.post.code_verifier:
                raise InvalidGrantError(
                    request=request, description="code_verifier is required."
                ) from None
            raise
        except MismatchingStateError:
            raise InvalidGrantError(
                request=request, description="PKCE verification failed."
            ) from None
        except InvalidRedirectURIError:
            if not request.post.redirect_uri:
                raise  # missing: invalid_request
            raise InvalidGrantError(
                request=request, description="redirect_uri does not match the authorization."
            ) from None


class LinkingAuthorizationServer(AuthorizationServer):
    """aioauth's server with handshake's grant set, introspection and revocation."""

    def __init__(self, storage: LinkingStorage) -> None:
        super().__init__(
            storage,
            response_types={"code": ResponseTypeAuthorizationCode},
            grant_types={
                "authorization_code": PkceAuthorizationCodeGrant,
                "refresh_token": RefreshTokenGrantType,
                "client_credentials": ClientCredentialsGrantType,
            },
        )
        self.linking_storage = storage
        self.ledger = TokenLedger(storage.uow, storage.policy)

    async def _calling_client(self, request: OAuthRequest, *, secret_required: bool) -> Client:
        client_id, client_secret = self.get_client_credentials(
            request, secret_required=secret_required
        )
        client = await self.storage.get_client(
            request=request, client_id=client_id, client_secret=client_secret
        )
        if client is None:
            raise InvalidClientError(request=request, description="Client authentication failed.")
        return client

    @catch_errors_and_unavailability()
    async def create_token_introspection_response(self, request: OAuthRequest) -> OAuthResponse:
        """RFC 7662: the token's claims for its own partner's resource servers."""
        self.validate_request(request, ["POST"])
        await self._calling_client(request, secret_required=True)
        if not request.post.token:
            raise InvalidRequestError(request=request, description="Request is missing token.")
        claims = await self.ledger.introspect(
            request.extra["client"], request.post.token, request.post.token_type_hint
        )
        return OAuthResponse(content=claims, status_code=HTTPStatus.OK, headers=default_headers)

    @catch_errors_and_unavailability()
    async def revoke_token(self, request: OAuthRequest) -> OAuthResponse:
        """RFC 7009: revoke a token of the calling client (unknown tokens are not an error)."""
        self.validate_request(request, ["POST"])
        await self._calling_client(request, secret_required=False)
        if not request.post.token:
            raise InvalidRequestError(request=request, description="Request is missing token.")
        hint = request.post.token_type_hint
        if hint and hint not in TOKEN_TYPE_HINTS:
            raise UnsupportedTokenTypeError(request=request)
        await self.ledger.revoke(request.extra["client"], request.post.token, hint)
        return OAuthResponse(status_code=HTTPStatus.OK, headers=default_headers)


def response_body(response: OAuthResponse) -> dict[str, Any]:
    """The JSON body of an aioauth response in RFC 6749 §5.2's field names."""
    body = dict(response.content)
    if "error" in body:
        description = body.pop("description", "")
        if description:
            body["error_description"] = description
        if not body.get("error_uri"):
            body.pop("error_uri", None)
    if body.get("refresh_token") is None:
        body.pop("refresh_token", None)
        body.pop("refresh_token_expires_in", None)
    return body
