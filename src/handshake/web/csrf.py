"""Signed double-submit CSRF protection for cookie-authenticated and form requests.

A random nonce signed with the secret key lives in a cookie readable by pages; every unsafe
request that relies on ambient credentials (a session cookie) or posts a form must echo it in the
``X-CSRF-Token`` header or the ``csrf_token`` form field. Requests carrying an ``Authorization``
header (partners, operator API keys) are not exposed to CSRF: browsers never add it cross-site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from handshake.web.problems import problem_response

CSRF_COOKIE = "hs_csrf"
CSRF_HEADER = b"x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
MAX_FORM_BYTES = 1_000_000


def sign(nonce: str, secret: bytes) -> str:
    """``nonce.signature`` for ``nonce``."""
    digest = hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{nonce}.{digest}"


def tokens_match(supplied: str, expected: str) -> bool:
    """Constant-time equality of two tokens, whatever characters the caller sent."""
    # As bytes: compare_digest raises TypeError on non-ASCII str, which a client controls.
    return hmac.compare_digest(supplied.encode("utf-8"), expected.encode("utf-8"))


def is_valid(token: str, secret: bytes) -> bool:
    """Whether ``token`` was signed by us."""
    nonce, _, _ = token.partition(".")
    return bool(nonce) and tokens_match(token, sign(nonce, secret))


def new_token(secret: bytes) -> str:
    """A fresh signed token."""
    return sign(secrets.token_urlsafe(18), secret)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


class CsrfMiddleware:
    """Issues the CSRF cookie and rejects unsafe requests that do not echo it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: bytes,
        session_cookie: str,
        secure: bool,
        exempt_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.exempt_paths = exempt_paths
        self.secret = secret
        self.session_cookie = session_cookie
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        cookies = _cookies(headers)
        existing = cookies.get(CSRF_COOKIE, "")
        existing_is_ours = is_valid(existing, self.secret)
        token = existing if existing_is_ours else new_token(self.secret)
        scope.setdefault("state", {})["csrf_token"] = token
        checked = scope["method"] not in SAFE_METHODS and scope["path"] not in self.exempt_paths
        if checked and self._needs_check(headers, cookies):
            receive, supplied = await self._supplied_token(headers, receive)
            # Only a cookie we signed counts: a cookie planted by a sibling subdomain won't do.
            if not (existing_is_ours and supplied and tokens_match(supplied, existing)):
                response = problem_response(
                    status=403,
                    code="csrf_failed",
                    title="Form expired",
                    detail="The form could not be verified (CSRF). Reload the page and try again.",
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, self._with_cookie(send, token, token != existing))

    def _needs_check(self, headers: dict[bytes, bytes], cookies: dict[str, str]) -> bool:
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        is_form = content_type in {b"application/x-www-form-urlencoded", b"multipart/form-data"}
        has_session = self.session_cookie in cookies
        has_authorization = b"authorization" in headers
        if has_authorization:
            # A cross-site page cannot attach this header (it needs a CORS preflight we never
            # grant), and authentication then ignores cookies: nothing to forge.
            return False
        return is_form or has_session

    async def _supplied_token(
        self, headers: dict[bytes, bytes], receive: Receive
    ) -> tuple[Receive, str]:
        if CSRF_HEADER in headers:
            return receive, headers[CSRF_HEADER].decode("latin-1")
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/x-www-form-urlencoded":
            return receive, ""
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                break
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [""])
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay, values[0]

    def _with_cookie(self, send: Send, token: str, is_new: bool) -> Send:
        if not is_new:
            return send
        cookie = f"{CSRF_COOKIE}={token}; Path=/; SameSite=Lax"
        if self.secure:
            cookie += "; Secure"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"set-cookie", cookie.encode("latin-1")),
                ]
            await send(message)

        return send_with_cookie
