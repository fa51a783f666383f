"""What a demo load did: created or found, and the credentials to try."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PartnerCredentials:
    """A demo partner's OAuth client (secrets only when issued by this run)."""

    name: str
    kind: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    client_secret: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    partner_id: str | None = None
    directive_secret: str | None = None


@dataclass
class DemoReport:
    """Steps created by this run and steps found already loaded."""

    created: list[str] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)
    products: int = 0
    variants: int = 0
    operator_api_key: str | None = None
    partners: list[PartnerCredentials] = field(default_factory=list)

    def note(self, step: str, *, created: bool) -> None:
        """Record ``step`` as created now or found from an earlier run."""
        (self.created if created else self.already_loaded).append(step)

    @property
    def nothing_new(self) -> bool:
        """Whether the whole demo was already there."""
        return not self.created
