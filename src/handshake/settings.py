"""One settings tree for the whole platform, read from ``HANDSHAKE_*`` environment variables.

Nested sections use ``__``: ``HANDSHAKE_DATABASE__URL=postgresql+asyncpg://…``. Defaults run a
development store with no setup (SQLite under ``./var/``); outside development, placeholder
secrets are refused at start-up.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_PREFIX = "dev-insecure-"
Environment = Literal["development", "test", "production"]


class DatabaseSettings(BaseModel):
    """Where the system of record lives."""

    url: str = "sqlite+aiosqlite:///./var/handshake.db"
    echo: bool = False
    pool_size: int = Field(default=10, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)
    pool_pre_ping: bool = Field(
        default=False,
        description=(
            "Test each pooled PostgreSQL connection with a round trip before use. Off by default:"
            " it costs one extra round trip per checkout; stale connections are recycled instead"
            " (pool_recycle_seconds) and a connection found dead mid-request is discarded."
        ),
    )
    pool_recycle_seconds: int = Field(
        default=1800,
        ge=-1,
        le=86400,
        description=(
            "Replace pooled PostgreSQL connections older than this (seconds; -1 never), so"
            " connections cut by firewalls or server timeouts are not reused."
        ),
    )
    schema_name: str | None = Field(
        default=None,
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL schema to use (search_path); the default schema when unset.",
    )

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("database url must be postgresql+asyncpg:// or sqlite+aiosqlite://")
        return value

    @property
    def is_sqlite(self) -> bool:
        """Whether the embedded SQLite default is in use."""
        return self.url.startswith("sqlite")


class HttpSettings(BaseModel):
    """How ``handshake serve`` listens and what it says about itself."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    trusted_proxies: list[str] = Field(default_factory=list)


class SecuritySettings(BaseModel):
    """Secrets and password/session policy."""

    secret_key: SecretStr = SecretStr(PLACEHOLDER_PREFIX + "change-me-secret-key")
    session_cookie: str = "hs_session"
    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    cookie_secure: bool | None = None  # None: secure everywhere but development
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)


class JobSettings(BaseModel):
    """The transactional outbox worker."""

    embedded_worker: bool = True
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    batch_size: int = Field(default=10, ge=1, le=500)
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    lease_seconds: int = Field(default=300, ge=5)


class CatalogSettings(BaseModel):
    """Catalog defaults."""

    default_currency: str = "EUR"
    low_stock_threshold: int = Field(default=5, ge=0)
    import_batch_size: int = Field(default=500, ge=1, le=10000)
    read_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description=(
            "How long a process may reuse a product page it served (in-process cache; 0"
            " disables). Changes made through this process invalidate it at once; other"
            " processes see them within this many seconds."
        ),
    )
    read_cache_entries: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="Most product pages kept in the in-process read cache (least recent go first).",
    )


class LogSettings(BaseModel):
    """Structured logging."""

    level: str = "INFO"
    json_output: bool | None = None  # None: JSON everywhere but development


class Settings(BaseSettings):
    """The effective configuration of one handshake process."""

    model_config = SettingsConfigDict(
        env_prefix="HANDSHAKE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Environment = "development"
    data_dir: Path = Path("./var")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @property
    def is_development(self) -> bool:
        """Development relaxes cookie security and allows placeholder secrets."""
        return self.environment == "development"

    @property
    def cookie_secure(self) -> bool:
        """Whether cookies carry the Secure flag."""
        if self.security.cookie_secure is not None:
            return self.security.cookie_secure
        return not self.is_development and self.environment != "test"

    def placeholder_secrets(self) -> list[str]:
        """Dotted names of secrets still holding a development placeholder."""
        found = []
        for section_name, section in self:
            if not isinstance(section, BaseModel):
                continue
            for field_name, value in section:
                is_secret = isinstance(value, SecretStr)
                if is_secret and value.get_secret_value().startswith(PLACEHOLDER_PREFIX):
                    found.append(f"{section_name}.{field_name}")
        return found

    def check_startup(self) -> None:
        """Refuse to start outside development with placeholder secrets."""
        if self.environment == "production":
            weak = self.placeholder_secrets()
            if weak:
                names = ", ".join("HANDSHAKE_" + n.upper().replace(".", "__") for n in weak)
                raise SettingsError(
                    f"Refusing to start in production with placeholder secrets: set {names} "
                    "to a long random value (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)."
                )

    def redacted(self) -> dict[str, Any]:
        """Effective settings as plain data with every secret replaced by ``'**********'``."""
        data: dict[str, Any] = self.model_dump(mode="json")
        for section_name, section in self:
            if isinstance(section, BaseModel):
                for field_name, value in section:
                    if isinstance(value, SecretStr):
                        data[section_name][field_name] = "**********"
        data["database"]["url"] = _redact_url_password(self.database.url)
        return data


class SettingsError(RuntimeError):
    """The configuration cannot be used."""


def _redact_url_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:**********@{host}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
