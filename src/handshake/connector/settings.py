"""The connector's settings, read from ``HANDSHAKE_CONNECTOR__*`` (or given as CLI flags).

``HANDSHAKE_MQTT__URL`` names an external broker (``mqtt://127.0.0.1:1883``); without one the
connector starts an embedded broker on ``embedded_broker_host:embedded_broker_port``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MQTT_PORT = 1883


class Thresholds(BaseModel):
    """The smallest change of a numeric data type worth reporting (others: any change)."""

    temperature: float = Field(default=0.5, gt=0)
    setpoint: float = Field(default=0.5, gt=0)
    humidity: float = Field(default=1.0, gt=0)
    battery: float = Field(default=1.0, gt=0)

    def as_mapping(self) -> dict[str, float]:
        """Threshold per data type key."""
        return self.model_dump()


class ConnectorSettings(BaseSettings):
    """Where the platform and the broker are, who the connector is, and how it paces itself."""

    model_config = SettingsConfigDict(
        env_prefix="HANDSHAKE_CONNECTOR__",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
    )

    platform_url: str = "http://127.0.0.1:8000"
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    # One MQTT topic segment: no separators or wildcards.
    maker: str = Field(default="thermoco", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    mqtt_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("HANDSHAKE_CONNECTOR__MQTT_URL", "HANDSHAKE_MQTT__URL"),
    )
    embedded_broker_host: str = "127.0.0.1"
    embedded_broker_port: int = Field(default=DEFAULT_MQTT_PORT, ge=1, le=65535)
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8100, ge=1, le=65535)
    directive_secret: SecretStr = SecretStr("")
    accounts_file: Path = Path("var/connector-accounts.json")
    # The reference caches the grant at most 1 s, so a revocation bites within a second.
    # How long a grant read is trusted: a revocation takes effect here at most this late.
    grant_cache_seconds: float = Field(default=0.5, ge=0, le=1.0)
    grant_poll_seconds: float = Field(default=10.0, gt=0, le=3600)
    coalesce_seconds: float = Field(default=1.0, ge=0, le=60)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # The platform waits 8 s for a directive's answer: the device gets at most 7 of them.
    command_timeout_seconds: float = Field(default=7.0, gt=0, le=7.0)
    refresh_margin_seconds: float = Field(default=300.0, ge=0)
    backoff_base_seconds: float = Field(default=1.0, ge=1.0)
    backoff_max_seconds: float = Field(default=60.0, ge=1.0, le=3600)
    http_timeout_seconds: float = Field(default=10.0, gt=0, le=60)

    @field_validator("platform_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_scheme(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in {"mqtt", "tcp"}:
            raise ValueError("mqtt_url is mqtt://host:port")
        return value or None


def broker_address(url: str) -> tuple[str, int]:
    """Host and port of an ``mqtt://host:port`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
        raise ValueError(f"not an mqtt://host:port URL: {url!r}")
    return parts.hostname, parts.port or DEFAULT_MQTT_PORT
