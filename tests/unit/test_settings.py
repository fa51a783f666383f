"""Settings: env nesting, safe defaults, placeholder secrets refused outside development."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr, ValidationError
from typer.testing import CliRunner

from handshake.entrypoints.cli import app
from handshake.settings import (
    DatabaseSettings,
    JobSettings,
    SecuritySettings,
    Settings,
    SettingsError,
)


def test_defaults_run_without_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("HANDSHAKE_"):
            monkeypatch.delenv(key)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.environment == "development"
    assert settings.database.url == "sqlite+aiosqlite:///./var/handshake.db"
    assert settings.database.is_sqlite
    settings.check_startup()  # placeholders are fine in development


def test_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDSHAKE_DATABASE__URL", "postgresql://u:pw@db:5432/shop")
    monkeypatch.setenv("HANDSHAKE_JOBS__MAX_ATTEMPTS", "3")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database.url == "postgresql+asyncpg://u:pw@db:5432/shop"
    assert settings.jobs.max_attempts == 3


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="database url"):
        DatabaseSettings(url="mysql://root@localhost/db")


def test_production_refuses_placeholder_secrets() -> None:
    settings = Settings(_env_file=None, environment="production")  # type: ignore[call-arg]
    assert settings.placeholder_secrets() == ["security.secret_key"]
    with pytest.raises(SettingsError, match="HANDSHAKE_SECURITY__SECRET_KEY"):
        settings.check_startup()
    strong = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        security=SecuritySettings(secret_key=SecretStr("x" * 48)),
    )
    strong.check_startup()
    assert strong.cookie_secure is True


def test_redacted_hides_secrets_and_url_passwords() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database=DatabaseSettings(url="postgresql+asyncpg://shop:hunter2@db/shop"),
        security=SecuritySettings(secret_key=SecretStr("very-secret-value")),
    )
    dumped = json.dumps(settings.redacted())
    assert "hunter2" not in dumped
    assert "very-secret-value" not in dumped
    assert settings.redacted()["security"]["secret_key"] == "**********"
    assert settings.redacted()["database"]["url"] == "postgresql+asyncpg://shop:**********@db/shop"


def test_config_show_prints_redacted_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from handshake.settings import get_settings

    monkeypatch.setenv("HANDSHAKE_SECURITY__SECRET_KEY", "do-not-print-me-please")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["config", "show"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "do-not-print-me-please" not in result.output
    assert '"secret_key": "**********"' in result.output


def test_a_webhook_batch_longer_than_its_lease_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"jobs\.lease_seconds"):
        Settings(jobs=JobSettings(batch_size=500, lease_seconds=300))

    fine = Settings(jobs=JobSettings(batch_size=500, lease_seconds=3600))
    assert fine.jobs.batch_size == 500
