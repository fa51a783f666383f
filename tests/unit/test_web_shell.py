"""CSRF tokens, locale negotiation and problem documents of the web shell."""

from __future__ import annotations

import pytest

from handshake.web import csrf
from handshake.web.i18n import negotiate_locale

SECRET = b"k" * 32


def test_csrf_token_signature() -> None:
    token = csrf.new_token(SECRET)
    assert csrf.is_valid(token, SECRET)
    assert not csrf.is_valid(token, b"other" * 8)
    nonce, _, signature = token.partition(".")
    assert not csrf.is_valid(f"{nonce}x.{signature}", SECRET)
    assert not csrf.is_valid("", SECRET)
    assert not csrf.is_valid(".", SECRET)


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        (None, None, "de-DE,en;q=0.5,fr;q=0.7", "fr"),
        (None, "en", "fr-FR", "en"),
        ("fr", "en", "en", "fr"),
        ("de", None, "en", "en"),
        (None, None, "fr;q=abc, en;q=0.1", "en"),
    ],
)
def test_locale_negotiation(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate_locale(query=query, cookie=cookie, accept_language=header) == expected


def test_token_comparison_takes_any_characters() -> None:
    assert csrf.tokens_match("é.ü", "é.ü")
    assert not csrf.tokens_match("é.ü", "e.u")
    assert not csrf.is_valid("é.ü", SECRET)
