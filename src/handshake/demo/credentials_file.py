"""The demo partners' credentials on disk, so ``handshake demo serve`` can start their apps.

``handshake demo load`` writes ``var/demo/partners.json`` (mode 0600: it holds secrets; ``var/``
is git-ignored). Secrets are stored only here: the platform keeps hashes, so when this file is
lost the next load rotates them to learn new ones.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("var/demo/partners.json")


@dataclass(frozen=True)
class SavedPartner:
    """One demo partner's client, webhook and (device makers) directive credentials."""

    name: str
    kind: str
    partner_id: str
    client_id: str
    client_secret: str | None = None
    webhook_secret: str | None = None
    directive_secret: str | None = None

    @property
    def complete(self) -> bool:
        """Whether the app has every secret it needs to run."""
        needs_directive = self.kind == "device_maker"
        return bool(
            self.client_secret
            and self.webhook_secret
            and (self.directive_secret or not needs_directive)
        )


def _partner(document: Any) -> SavedPartner | None:
    if not isinstance(document, dict):
        return None
    known = {f.name for f in fields(SavedPartner)}
    values: dict[str, Any] = {
        k: v for k, v in document.items() if k in known and (v is None or isinstance(v, str))
    }
    try:
        return SavedPartner(**values)
    except TypeError:  # a field missing: the entry is useless
        return None


class CredentialsFile:
    """Reads and atomically rewrites the credentials file."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        self.path = path

    def load(self) -> dict[str, SavedPartner]:
        """Saved partners by name (empty when the file is missing or unreadable)."""
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        entries = document.get("partners") if isinstance(document, dict) else None
        found = [_partner(entry) for entry in entries or []]
        return {p.name: p for p in found if p is not None}

    def save(self, partners: list[SavedPartner]) -> None:
        """Replace the file (readable by its owner only)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"partners": [asdict(p) for p in partners]}, indent=2)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".partners-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())  # on disk before the rename: a crash keeps one whole file
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
