"""``handshake linking purge`` against a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from typer.testing import CliRunner

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking.cli import app
from handshake.linking.models import AuthorizationCode, Grant
from handshake.linking.repository import LinkingRepository
from handshake.partners import service as partners
from tests.accounts_helpers import PASSWORD, policy_of
from tests.cli_helpers import cli_runtime
from tests.linking_helpers import FROZEN_START, row_count

runner = CliRunner()


async def _expired_code(container: Container) -> None:
    from handshake.accounts import service as accounts

    shopper = await accounts.sign_up(
        uow=container.uow(),
        email="cli@example.com",
        password=PASSWORD,
        name="Cli",
        password_policy=policy_of(container),
    )
    partner = await partners.create_partner(
        uow=container.uow(), name="Picto", kind="social", contact_email="p@picto.example"
    )
    uow = container.uow()
    async with uow:
        repo = uow.repo(LinkingRepository)
        grant = Grant(
            id=new_id("lnk"),
            shopper_id=shopper.id,
            partner_id=partner.id,
            scopes=["profile"],
            purpose="shoppable_ads",
            expires_at=clock.now() + timedelta(days=365),
        )
        repo.add(grant)
        await uow.flush()
        repo.add(
            AuthorizationCode(
                code_hash="0" * 64,
                client_id="cli_x",
                grant_id=grant.id,
                redirect_uri="https://a",
                scope="profile",
                code_challenge="c",
                code_challenge_method="S256",
                expires_at=clock.now() - timedelta(days=10),
            )
        )
        await uow.commit()


def test_purge_reports_what_it_deleted(sqlite_container: Container) -> None:
    with clock.frozen_at(FROZEN_START):
        asyncio.run(_expired_code(sqlite_container))
        result = runner.invoke(app, ["purge", "--days", "7"], obj=cli_runtime(sqlite_container))
        assert result.exit_code == 0, result.output
        assert "purged 1 authorization codes and 0 tokens" in result.output
        assert asyncio.run(row_count(sqlite_container, "link_grants")) == 1
        assert asyncio.run(row_count(sqlite_container, "oauth_authorization_codes")) == 0
