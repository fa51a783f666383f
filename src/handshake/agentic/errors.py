"""Errors of the agentic domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import BadRequest, Conflict, InvalidInput


class MissingApiVersion(BadRequest):
    """No API-Version header."""

    code = "missing_api_version"


class UnsupportedApiVersion(BadRequest):
    """An API-Version this server does not speak."""

    code = "unsupported_api_version"


class SessionNotCancelable(Conflict):
    """Cancelling a session that is completed or cancelled already (HTTP 405 in the protocol)."""

    code = "session_not_cancelable"


class UnsupportedPaymentData(InvalidInput):
    """Payment data this store cannot take (unknown handler, instrument or credential)."""

    code = "unsupported_payment_data"


class CurrencyMismatch(InvalidInput):
    """A session asked in another currency than the store sells in."""

    code = "currency_mismatch"


class RiskBlocked(InvalidInput):
    """The platform's own risk check blocked the card (no vault token is issued)."""

    code = "invalid_card"
