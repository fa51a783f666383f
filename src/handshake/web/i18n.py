"""French/English interface text: locale negotiation and message catalogs.

Catalogs are JSON files mapping the English source text to its translation; every domain may
ship ``locales/<lang>.json`` beside its templates, merged at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

SUPPORTED_LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "hs_lang"


class Catalogs:
    """Merged translations per locale."""

    def __init__(self) -> None:
        self._messages: dict[str, dict[str, str]] = {code: {} for code in SUPPORTED_LOCALES}

    def load_dir(self, directory: Path) -> None:
        """Merge ``<locale>.json`` files found in ``directory``."""
        for code in SUPPORTED_LOCALES:
            path = directory / f"{code}.json"
            if path.is_file():
                self._messages[code].update(json.loads(path.read_text(encoding="utf-8")))

    def gettext(self, locale: str, message: str) -> str:
        """``message`` in ``locale`` (the English source when untranslated)."""
        return self._messages.get(locale, {}).get(message, message)


def negotiate_locale(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Pick the locale: explicit ``?lang=``, then the cookie, then Accept-Language, then English."""
    for candidate in (query, cookie):
        if candidate in SUPPORTED_LOCALES:
            return candidate
    for code in _accepted(accept_language or ""):
        if code in SUPPORTED_LOCALES:
            return code
    return DEFAULT_LOCALE


def _accepted(header: str) -> Iterable[str]:
    weighted: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            weighted.append((weight, tag.split("-")[0].lower()))
    return [tag for _, tag in sorted(weighted, key=lambda item: -item[0])]
