"""``handshake offers rotate-key`` and ``handshake offers keys`` against a real SQLite database."""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from handshake.bootstrap import Container, domain_packages
from handshake.kernel import clock
from handshake.offers import cli, service
from handshake.offers.cli import app
from tests.cli_helpers import cli_runtime
from tests.linking_helpers import FROZEN_START, row_count

runner = CliRunner()
KID = re.compile(r"ofk_[0-9A-Z]{26}")


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console as wide as a real terminal, so table cells are not cut."""
    monkeypatch.setattr(cli.console, "width", 220)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def _invoke(container: Container, *args: str) -> str:
    result = runner.invoke(app, list(args), obj=cli_runtime(container))
    assert result.exit_code == 0, result.output
    return result.output


def _table_rows(output: str) -> list[list[str]]:
    """The cells of each table line naming a key."""
    return [
        [cell.strip() for cell in line.strip("│┃ ").split("│")]
        for line in output.splitlines()
        if KID.search(line)
    ]


def test_rotate_key_creates_a_key_then_retires_the_previous_one(
    sqlite_container: Container,
) -> None:
    first = _invoke(sqlite_container, "rotate-key")
    [first_kid] = KID.findall(first)
    clock.advance(timedelta(minutes=5))

    second = _invoke(sqlite_container, "rotate-key")

    assert f"New signing key {first_kid}; retired: none." in first
    [second_kid, retired] = KID.findall(second)
    assert retired == first_kid
    assert f"New signing key {second_kid}; retired: {first_kid}." in " ".join(second.split())
    assert "offers.keyring_refresh_seconds" in second
    assert asyncio.run(row_count(sqlite_container, "offer_signing_keys")) == 2


def test_keys_lists_the_signing_and_the_verifying_key(sqlite_container: Container) -> None:
    _invoke(sqlite_container, "rotate-key")
    clock.advance(timedelta(minutes=5))
    _invoke(sqlite_container, "rotate-key")
    kids = [
        view.kid for view in asyncio.run(service.signing_key_views(uow=sqlite_container.read_uow()))
    ]

    output = _invoke(sqlite_container, "keys")

    for header in ("kid", "created", "retired", "verifies until", "state"):
        assert header in output
    assert _table_rows(output) == [
        [kids[0], "2029-03-01 09:00:00", "2029-03-01 09:05:00", "2029-03-01 09:16:00", "verifying"],
        [kids[1], "2029-03-01 09:05:00", "", "", "signing"],
    ]


def test_keys_shows_expired_keys_and_an_empty_table_before_any_key(
    sqlite_container: Container,
) -> None:
    assert _table_rows(_invoke(sqlite_container, "keys")) == []
    _invoke(sqlite_container, "rotate-key")
    _invoke(sqlite_container, "rotate-key")
    clock.advance(timedelta(seconds=660))

    states = [cells[-1] for cells in _table_rows(_invoke(sqlite_container, "keys"))]

    assert states == ["expired", "signing"]


def test_the_offers_commands_are_registered_on_the_handshake_command() -> None:
    # The root command adds ``<domain>.cli.commands`` of every domain package.
    assert "handshake.offers" in domain_packages()
    assert importlib.import_module("handshake.offers.cli").commands == {"offers": app}

    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    assert "rotate-key" in result.output
    assert "keys" in result.output
