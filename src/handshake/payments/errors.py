"""Errors of the payments domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import Conflict, InvalidInput, NotFound, Unavailable


class PaymentDeclined(InvalidInput):
    """The provider refused the payment method (the shopper should pick another)."""

    code = "payment_declined"


class PaymentAuthenticationRequired(InvalidInput):
    """The card issuer asks the shopper to authenticate (3-D Secure) before paying."""

    code = "payment_authentication_required"


class PaymentProviderUnavailable(Unavailable):
    """The provider could not be reached or failed; nothing was charged. Try again later."""

    code = "payment_provider_unavailable"


class PaymentNotFound(NotFound):
    """No payment with this id."""

    code = "payment_not_found"


class PaymentStateConflict(Conflict):
    """The payment is not in a state that allows this (capture twice, refund before capture…)."""

    code = "payment_state_conflict"


class InvalidPaymentAmount(InvalidInput):
    """An amount that is not positive, or larger than what may be captured or refunded."""

    code = "invalid_payment_amount"


class UnknownPaymentProvider(InvalidInput):
    """A payment method names a provider this installation does not have."""

    code = "unknown_payment_provider"


class InvalidDelegatedCard(InvalidInput):
    """Card details handed over for a delegated payment are malformed or expired."""

    code = "invalid_card"


class InvalidAllowance(InvalidInput):
    """The allowance of a delegated payment is malformed (amount, currency, expiry, bindings)."""

    code = "invalid_allowance"


class InvalidDelegationMetadata(InvalidInput):
    """The metadata of a delegated payment is not a small map of short strings."""

    code = "invalid_metadata"
