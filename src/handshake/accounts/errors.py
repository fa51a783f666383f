"""Errors of the accounts domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
)


class NotSignedIn(Unauthenticated):
    """No live shopper session."""

    code = "not_signed_in"
    challenge = 'Cookie realm="handshake"'


class OperatorAuthRequired(Unauthenticated):
    """No valid operator API key or operator session."""

    code = "operator_auth_required"


class NotAnOperator(PermissionDenied):
    """A shopper session tried an operator route."""

    code = "not_an_operator"


class InvalidCredentials(Unauthenticated):
    """Wrong e-mail or password (never says which)."""

    code = "invalid_credentials"
    challenge = 'Cookie realm="handshake"'


class LoginLocked(RateLimited):
    """Too many failed sign-ins for this e-mail."""

    code = "login_locked"


class EmailTaken(Conflict):
    """An account already uses this e-mail."""

    code = "email_taken"


class WeakPassword(InvalidInput):
    """The password breaks the policy."""

    code = "weak_password"


class InvalidEmail(InvalidInput):
    """Not an e-mail address."""

    code = "invalid_email"


class InvalidAddress(InvalidInput):
    """An address field is not acceptable (e.g. unknown country)."""

    code = "invalid_address"


class CardExpired(InvalidInput):
    """The card to save has already expired."""

    code = "card_expired"


class InvalidMembership(InvalidInput):
    """Membership dates do not make sense."""

    code = "invalid_membership"


class ShopperNotFound(NotFound):
    """No such shopper."""

    code = "shopper_not_found"


class AddressNotFound(NotFound):
    """No such address of this shopper."""

    code = "address_not_found"


class PaymentMethodNotFound(NotFound):
    """No such payment method of this shopper."""

    code = "payment_method_not_found"


class OperatorNotFound(NotFound):
    """No such operator."""

    code = "operator_not_found"


class ApiKeyNotFound(NotFound):
    """No such API key of this operator."""

    code = "api_key_not_found"
