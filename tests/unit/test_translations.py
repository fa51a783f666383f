"""Every text a template marks for translation has a French translation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import handshake

PACKAGE = Path(handshake.__file__).parent
# _("…") with a literal first argument (single or double quotes).
MARKED = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# Partner apps: English only.
DEMO_APPS = ("demo/partner_kit", "demo/picto", "demo/reels", "demo/shoply", "demo/thermoco")


def french_catalog() -> dict[str, str]:
    """Every locales/fr.json of the package, merged as the application merges them."""
    merged: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("locales/fr.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def marked_texts() -> dict[str, str]:
    """Marked text → the first template that marks it."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(DEMO_APPS):
            continue
        for double, single in MARKED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(double or single, relative)
    return found


def test_every_marked_template_text_has_a_french_translation() -> None:
    french = french_catalog()
    missing = {text: where for text, where in marked_texts().items() if text not in french}
    assert missing == {}


def test_french_translations_keep_the_placeholders_of_their_source() -> None:
    placeholder = re.compile(r"%\((\w+)\)s")
    broken = {
        source: target
        for source, target in french_catalog().items()
        if sorted(placeholder.findall(source)) != sorted(placeholder.findall(target))
    }
    assert broken == {}
