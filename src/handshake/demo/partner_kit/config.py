"""A demo partner app's configuration: where the platform is, where the app is, its secrets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartnerAppConfig:
    """Everything a partner app is given when it starts (tests pass fresh clients)."""

    platform_url: str  # the platform's base URL, e.g. http://127.0.0.1:8000
    public_url: str  # the app's own base URL, e.g. http://127.0.0.1:8001
    client_id: str
    client_secret: str
    webhook_secret: str  # whsec_…: verifies the platform's webhooks
    scopes: tuple[str, ...]
    directive_secret: str = ""  # whsec_…: device makers verify directives with it

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform_url", self.platform_url.rstrip("/"))
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))

    @property
    def redirect_uri(self) -> str:
        """Where the platform sends the shopper back with the authorization code."""
        return f"{self.public_url}/oauth/callback"

    def platform(self, path: str) -> str:
        """An absolute URL on the platform (absolute ones are kept)."""
        return path if path.startswith(("http://", "https://")) else self.platform_url + path
