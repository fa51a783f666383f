"""Errors of the linking domain, each with a stable code.

OAuth protocol errors (``invalid_grant``…) are answered in RFC 6749's own format by the
authorization server; these are the errors of handshake's JSON APIs and resource checks.
"""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated


class LinkNotFound(NotFound):
    """No such link for this shopper."""

    code = "link_not_found"


class ReceiptNotFound(NotFound):
    """No such consent receipt for this shopper."""

    code = "receipt_not_found"


class InvalidAccessToken(Unauthenticated):
    """A missing, unknown, expired or revoked access token (RFC 6750 ``invalid_token``)."""

    code = "invalid_token"
    challenge = 'Bearer realm="handshake", error="invalid_token"'


class InsufficientScope(PermissionDenied):
    """The token lacks a scope the endpoint needs (RFC 6750 ``insufficient_scope``)."""

    code = "insufficient_scope"
    challenge = 'Bearer realm="handshake", error="insufficient_scope"'


class ShopperTokenRequired(PermissionDenied):
    """A client-credentials token was used where a linked shopper is needed."""

    code = "shopper_token_required"


class AppTokenRequired(PermissionDenied):
    """A shopper's token was used for a call about the partner itself (its videos, its
    reports): that takes the app's client-credentials token (no shopper consented to it)."""

    code = "client_credentials_required"
    title = "Use your app's own token"


class InvalidAuthorizationRequest(InvalidInput):
    """An authorization request that cannot be shown to the shopper (bad client or redirect)."""

    code = "invalid_authorization_request"


class LinkAlreadyEnded(InvalidInput):
    """The link was already revoked or expired."""

    code = "link_already_ended"
