"""Links to the hosted checkout sheet: the session id, an expiry and a MAC only we can make.

Session ids travel in webhooks and logs; the sheet, which lets the shopper pay with one tap,
opens only with the link the partner got when it created the session, and only for a day.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from handshake.checkout.policy import CheckoutPolicy

SHEET_LIFETIME = timedelta(hours=24)


def _mac(policy: CheckoutPolicy, session_id: str, expires: int) -> str:
    message = f"{session_id}.{expires}".encode()
    return hmac.new(policy.sheet_secret, message, hashlib.sha256).hexdigest()[:32]


def sheet_token(policy: CheckoutPolicy, session_id: str, created_at: datetime) -> str:
    """``<expiry>.<mac>`` of a session's sheet link (valid a day after the session began)."""
    expires = int((created_at + SHEET_LIFETIME).timestamp())
    return f"{expires}.{_mac(policy, session_id, expires)}"


def sheet_path(policy: CheckoutPolicy, session_id: str, created_at: datetime) -> str:
    """The link to a session's sheet, relative to the site (the shop site's own redirects)."""
    token = sheet_token(policy, session_id, created_at)
    return f"/checkout/sheet/{session_id}?t={token}"


def sheet_url(policy: CheckoutPolicy, session_id: str, created_at: datetime) -> str:
    """The absolute link to a session's sheet."""
    return policy.public_url + sheet_path(policy, session_id, created_at)


def sheet_token_valid(policy: CheckoutPolicy, session_id: str, token: str, now: datetime) -> bool:
    """Whether ``token`` opens the sheet of ``session_id`` at ``now``."""
    expires_text, _, mac = token.partition(".")
    if not expires_text.isascii() or not expires_text.isdigit() or len(expires_text) > 12:
        return False
    expires = int(expires_text)
    expected = _mac(policy, session_id, expires)
    # Bytes: compare_digest refuses non-ASCII str, and the caller controls ``mac``.
    return hmac.compare_digest(expected.encode(), mac.encode()) and now.timestamp() < expires
