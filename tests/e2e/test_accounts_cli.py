"""``handshake operators …`` and ``handshake shoppers export`` against a real SQLite database."""

from __future__ import annotations

import asyncio
import json
import re

from typer.testing import CliRunner

from handshake.accounts import service
from handshake.accounts.cli import operators, shoppers
from handshake.bootstrap import Container
from tests.accounts_helpers import PASSWORD, policy_of
from tests.cli_helpers import cli_runtime

runner = CliRunner()


def test_create_operator_prints_the_key_once_and_it_works(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    args = ["create", "--email", "Boss@Shop.example", "--name", "Boss", "--with-api-key"]
    result = runner.invoke(operators, [*args, "--password", PASSWORD], obj=runtime)
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    key = re.search(r"API key: (hsk_\S+)", result.output)
    assert key is not None
    principal, _ = asyncio.run(
        service.authenticate_api_key(uow=sqlite_container.read_uow(), key=key.group(1))
    )
    assert principal.email == "boss@shop.example"
    again = runner.invoke(operators, [*args, "--password", PASSWORD], obj=runtime)
    assert again.exit_code == 1
    assert "email_taken" in again.output


def test_create_operator_prompts_for_the_password_and_refuses_short_ones(
    sqlite_container: Container,
) -> None:
    runtime = cli_runtime(sqlite_container)
    args = ["create", "--email", "op@shop.example", "--name", "Op"]
    short = runner.invoke(operators, args, obj=runtime, input="short\nshort\n")
    assert short.exit_code == 1
    assert "weak_password" in short.output
    assert "API key" not in short.output
    ok = runner.invoke(operators, args, obj=runtime, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.exit_code == 0, ok.output
    assert "API key" not in ok.output


def test_api_key_command_issues_a_new_key(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    asyncio.run(
        service.create_operator(
            uow=sqlite_container.uow(), email="op@shop.example", password=PASSWORD, name="Op",
            password_policy=policy_of(sqlite_container),
        )
    )  # fmt: skip
    result = runner.invoke(operators, ["api-key", "--email", "op@shop.example"], obj=runtime)
    assert result.exit_code == 0, result.output
    assert re.search(r"API key: hsk_\w{26}_\S+", result.output)
    missing = runner.invoke(operators, ["api-key", "--email", "no@shop.example"], obj=runtime)
    assert missing.exit_code == 1
    assert "operator_not_found" in missing.output


def test_shoppers_export_prints_the_json_document(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    shopper = asyncio.run(
        service.sign_up(
            uow=sqlite_container.uow(), email="ada@example.com", password=PASSWORD, name="Ada",
            password_policy=policy_of(sqlite_container),
        )
    )  # fmt: skip
    result = runner.invoke(shoppers, ["export", shopper.id], obj=runtime)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["shopper_id"] == shopper.id
    assert document["sections"]["profile"]["email"] == "ada@example.com"
    unknown = runner.invoke(shoppers, ["export", "shp_nobody"], obj=runtime)
    assert unknown.exit_code == 1
    assert "shopper_not_found" in unknown.output
