"""Links to the hosted checkout sheet: the session id plus a MAC only the platform can make.

Session ids travel in webhooks and logs; the sheet, which lets the shopper pay with one tap,
opens only with the link the partner got when it created the session.
"""

from __future__ import annotations

import hashlib
import hmac

from handshake.checkout.policy import CheckoutPolicy


def sheet_token(policy: CheckoutPolicy, session_id: str) -> str:
    """The MAC of a session's sheet link."""
    digest = hmac.new(policy.sheet_secret, session_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def sheet_url(policy: CheckoutPolicy, session_id: str) -> str:
    """The absolute link to a session's sheet."""
    return f"{policy.public_url}/checkout/sheet/{session_id}?t={sheet_token(policy, session_id)}"


def sheet_token_valid(policy: CheckoutPolicy, session_id: str, token: str) -> bool:
    """Whether ``token`` opens the sheet of ``session_id``."""
    return hmac.compare_digest(sheet_token(policy, session_id), token)
