"""The web session cookie: HttpOnly, SameSite=Lax, Secure outside development."""

from __future__ import annotations

from datetime import datetime

from fastapi import Response

from handshake.kernel import clock
from handshake.settings import Settings


def set_session_cookie(
    response: Response, settings: Settings, token: str, expires_at: datetime
) -> None:
    """Put the session ``token`` in the cookie until ``expires_at``."""
    response.set_cookie(
        settings.security.session_cookie,
        token,
        max_age=max(1, int((expires_at - clock.now()).total_seconds())),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(
        settings.security.session_cookie,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
