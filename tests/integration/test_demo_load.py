"""``handshake demo``: loads the whole demo on SQLite and PostgreSQL; a second run adds nothing."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from handshake.accounts.models import (
    Address,
    Membership,
    Operator,
    OperatorApiKey,
    PaymentMethod,
    Shopper,
)
from handshake.bootstrap import Container
from handshake.catalog.models import Category, Product, Stock, Variant, Warehouse, WarehouseZone
from handshake.demo.catalog_data import catalog_rows
from handshake.demo.credentials_file import CredentialsFile
from handshake.demo.loader import load_demo
from handshake.demo.people import PARTNERS
from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.partners import service as partners
from handshake.partners.models import Partner, PartnerClient, WebhookEndpoint

ROWS = catalog_rows()
PRODUCTS = len({row["handle"] for row in ROWS})
# Leaf categories plus the "smart-home" parent created from the slug paths.
CATEGORIES = len({row["category"] for row in ROWS}) + 1


async def counts(container: Container) -> dict[str, int]:
    """Rows per demo table."""
    models: dict[str, Any] = {
        "products": Product, "variants": Variant, "categories": Category, "stock": Stock,
        "warehouses": Warehouse, "zones": WarehouseZone, "partners": Partner,
        "clients": PartnerClient, "webhooks": WebhookEndpoint, "shoppers": Shopper,
        "addresses": Address, "memberships": Membership, "cards": PaymentMethod,
        "operators": Operator, "api_keys": OperatorApiKey,
    }  # fmt: skip
    async with container.engine.connect() as connection:
        return {
            name: (await connection.execute(select(func.count()).select_from(model))).scalar_one()
            for name, model in models.items()
        }


EXPECTED = {
    "products": PRODUCTS, "variants": len(ROWS), "categories": CATEGORIES,
    "stock": 2 * len(ROWS), "warehouses": 2, "zones": 8 + 1 + 4 + 1, "partners": 4,
    "clients": 4, "webhooks": 4, "shoppers": 2, "addresses": 2, "memberships": 1, "cards": 2,
    "operators": 1, "api_keys": 1,
}  # fmt: skip


async def test_demo_loads_everything_once(container: Container) -> None:
    first = await load_demo(container)
    assert PRODUCTS >= 300
    assert await counts(container) == EXPECTED
    assert first.products == PRODUCTS
    assert [p.name for p in first.partners] == [p.name for p in PARTNERS]
    assert all(p.client_secret for p in first.partners)
    assert first.operator_api_key
    assert "catalog" in first.created

    second = await load_demo(container)
    assert await counts(container) == EXPECTED
    assert second.nothing_new
    assert second.operator_api_key is None
    assert [p.client_id for p in second.partners] == [p.client_id for p in first.partners]
    assert all(p.client_secret is None for p in second.partners)


async def test_demo_partners_get_their_kind_scopes_and_loopback_uris(container: Container) -> None:
    await load_demo(container)
    listed = {p.name: p for p in await partners.list_partners(uow=container.read_uow())}
    for demo in PARTNERS:
        partner = listed[demo.name]
        assert partner.kind == demo.kind
        (client,) = await partners.list_clients(uow=container.read_uow(), partner_id=partner.id)
        assert client.redirect_uris == [f"http://127.0.0.1:{demo.port}/oauth/callback"]
        assert sorted(client.allowed_scopes) == sorted(demo.scopes)


async def test_demo_shoppers_have_default_address_sandbox_card_and_membership(
    container: Container,
) -> None:
    moment = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        await load_demo(container)
    async with container.engine.connect() as connection:
        rows = (
            await connection.execute(
                select(
                    Shopper.email,
                    Address.postal_code,
                    Address.is_default.label("address_default"),
                    PaymentMethod.provider,
                    PaymentMethod.provider_token,
                    PaymentMethod.brand,
                    PaymentMethod.last4,
                    PaymentMethod.exp_month,
                    PaymentMethod.exp_year,
                    PaymentMethod.is_default.label("card_default"),
                )
                .join(Address, Address.shopper_id == Shopper.id)
                .join(PaymentMethod, PaymentMethod.shopper_id == Shopper.id)
                .order_by(Shopper.email)
            )
        ).all()
        memberships = (
            await connection.execute(
                select(Shopper.email, Membership.starts_at, Membership.ends_at).join(
                    Membership, Membership.shopper_id == Shopper.id
                )
            )
        ).all()
    found = {(r.email, r.postal_code, r.address_default) for r in rows}
    assert found == {
        ("camille.martin@example.com", "75011", True),
        ("louis.bernard@example.com", "69002", True),
    }
    for row in rows:
        assert (row.provider, row.provider_token, row.brand, row.last4) == (
            "sandbox", "tok_sandbox_visa_4242", "visa", "4242",
        )  # fmt: skip
        assert (row.exp_month, row.exp_year, row.card_default) == (12, 2028, True)
    ((email, starts_at, ends_at),) = memberships
    assert email == "camille.martin@example.com"
    assert clock.ensure_utc(starts_at) == moment - timedelta(days=60)
    assert ends_at is not None
    assert clock.ensure_utc(ends_at) == moment + timedelta(days=305)


async def _client_secret_works(container: Container, client_id: str, secret: str) -> bool:
    try:
        await partners.authenticate_client(
            uow=container.read_uow(), client_id=client_id, client_secret=secret
        )
    except DomainError:
        return False
    return True


async def test_demo_credentials_file_keeps_secrets_and_rotates_lost_ones(
    container: Container, tmp_path: Path
) -> None:
    file = CredentialsFile(tmp_path / "demo" / "partners.json")
    await load_demo(container, credentials=file)
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    first = file.load()
    assert sorted(first) == sorted(p.name for p in PARTNERS)
    assert all(p.complete for p in first.values())
    assert first["ThermoCo"].directive_secret
    assert first["Picto"].directive_secret is None

    again = await load_demo(container, credentials=file)
    assert file.load() == first  # known secrets are kept, nothing rotated
    assert all(p.client_secret is None and p.webhook_secret is None for p in again.partners)

    file.path.unlink()  # lost: the next load rotates every secret to learn new ones
    rotated = await load_demo(container, credentials=file)
    after = file.load()
    assert all(p.complete for p in after.values())
    for name, saved in after.items():
        assert saved.client_id == first[name].client_id
        assert saved.client_secret != first[name].client_secret
        assert saved.webhook_secret != first[name].webhook_secret
        assert saved.client_secret is not None
        assert await _client_secret_works(container, saved.client_id, saved.client_secret)
        assert not await _client_secret_works(
            container, saved.client_id, first[name].client_secret or ""
        )
    assert after["ThermoCo"].directive_secret != first["ThermoCo"].directive_secret
    assert all(p.client_secret for p in rotated.partners)  # printed once, as when created
