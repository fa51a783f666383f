"""Browser sessions of a partner app: a random cookie naming an in-memory state, CSRF tokens.

The demo apps keep their users in memory (a restart forgets them; the shopper links again):
enough for a demo, and nothing secret is written to disk.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

# Every cookie-less request opens a session: keep the most recently used ones only, so a crawler
# or a client ignoring cookies cannot grow the app's memory without end.
MAX_SESSIONS = 5000


@dataclass
class AppSession:
    """One browser's state in the app."""

    id: str
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    values: dict[str, Any] = field(default_factory=dict)
    new: bool = False


class SessionBook:
    """Sessions by cookie value; the cookie is set on the response of a new session."""

    def __init__(self, cookie_name: str, limit: int = MAX_SESSIONS) -> None:
        self.cookie_name, self.limit = cookie_name, limit
        self._sessions: OrderedDict[str, AppSession] = OrderedDict()

    def of(self, request: Request) -> AppSession:
        """The request's session (a new one when the cookie is missing or unknown)."""
        session_id = request.cookies.get(self.cookie_name, "")
        known = self._sessions.get(session_id)
        if known is not None:
            self._sessions.move_to_end(session_id)
            return known
        session = AppSession(secrets.token_urlsafe(24), new=True)
        self._sessions[session.id] = session
        while len(self._sessions) > self.limit:
            self._sessions.popitem(last=False)  # the least recently used
        return session

    def get(self, session_id: str) -> AppSession | None:
        """A session by id."""
        return self._sessions.get(session_id)

    def __iter__(self) -> Any:
        return iter(list(self._sessions.values()))

    def remember(self, session: AppSession, response: Response) -> Response:
        """Set the cookie of a new session on ``response``."""
        if session.new:
            response.set_cookie(
                self.cookie_name, session.id, httponly=True, samesite="lax", path="/"
            )
            session.new = False
        return response


def csrf_ok(session: AppSession, form: Any) -> bool:
    """Whether a posted form carries the session's CSRF token."""
    sent = str(form.get("csrf_token") or "")
    return hmac.compare_digest(sent.encode(), session.csrf_token.encode())
