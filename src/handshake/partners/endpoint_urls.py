"""Rules for the URLs a partner registers: OAuth redirect URIs and webhook endpoints.

Redirect URIs are matched exactly by account linking, so they are validated strictly here:
absolute, no fragment (RFC 6749 §3.1.2), no user info, https — except plain http on a loopback
host, which native and demo partner apps need (RFC 8252 §7.3). Public native clients may also
use a private-use scheme, which must be a reversed domain name (RFC 8252 §7.1) so one app
cannot claim another's generic scheme. Webhook URLs follow the same web rules; blocking private
addresses at delivery time (SSRF) belongs to the webhook sender.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from handshake.partners.errors import InvalidRedirectUri, InvalidWebhookUrl

MAX_URL_LENGTH = 2000
MAX_REDIRECT_URIS = 20
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*$")
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob", "ftp"})


def _web_url_problem(parts: SplitResult) -> str | None:
    """Why a parsed http(s) URL is unacceptable, or None."""
    try:
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError on a malformed port
    except ValueError:
        return "the port is not a number between 0 and 65535"
    if not host:
        return "the URL has no host"
    if parts.username is not None or parts.password is not None:
        return "user names and passwords are not allowed in the URL"
    if "*" in host:
        return "wildcards are not allowed; register each exact URL"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return "https is required (plain http only on 127.0.0.1, localhost or [::1])"
    return None


def _url_problem(url: str, *, allow_private_scheme: bool) -> str | None:
    if not url or len(url) > MAX_URL_LENGTH:
        return f"the URL must have 1 to {MAX_URL_LENGTH} characters"
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "the URL must not contain spaces or control characters"
    if "#" in url:
        return "the URL must not contain a fragment (#)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL cannot be parsed"
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME_RE.match(scheme):
        return "the URL must be absolute (start with https://)"
    if scheme in {"http", "https"}:
        return _web_url_problem(parts)
    if not allow_private_scheme or scheme in _FORBIDDEN_SCHEMES:
        return f"the scheme {scheme!r} is not allowed; use https"
    if "." not in scheme:
        return "a private-use scheme must be a reversed domain name, e.g. com.example.app"
    return None


def validate_redirect_uri(uri: str, *, public_client: bool) -> str:
    """``uri`` if it may be registered as a redirect URI, else :class:`InvalidRedirectUri`."""
    problem = _url_problem(uri, allow_private_scheme=public_client)
    if problem:
        raise InvalidRedirectUri(
            f"Redirect URI {uri!r} is not allowed: {problem}.",
            extra={"redirect_uri": uri, "reason": problem},
        )
    return uri


def validate_redirect_uris(uris: Iterable[str], *, public_client: bool) -> list[str]:
    """The URIs, validated and de-duplicated in order."""
    unique = list(dict.fromkeys(uris))
    if len(unique) > MAX_REDIRECT_URIS:
        raise InvalidRedirectUri(
            f"At most {MAX_REDIRECT_URIS} redirect URIs may be registered per client.",
            extra={"reason": "too_many"},
        )
    return [validate_redirect_uri(uri, public_client=public_client) for uri in unique]


def validate_webhook_url(url: str) -> str:
    """``url`` if it may receive webhooks, else :class:`InvalidWebhookUrl`."""
    problem = _url_problem(url, allow_private_scheme=False)
    if problem:
        raise InvalidWebhookUrl(
            f"Webhook URL {url!r} is not allowed: {problem}.",
            extra={"url": url, "reason": problem},
        )
    return url


def website_problem(url: str) -> str | None:
    """Why ``url`` is not a usable public web address (http or https), or None."""
    problem = _url_problem(url, allow_private_scheme=False)
    if problem and problem.startswith("https is required"):
        return None  # a plain-http home page is merely informational, unlike a callback
    return problem
