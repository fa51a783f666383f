"""The scope matrix's own parts: route discovery, placeholder requests and token choice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from handshake.linking.deps import require_scopes
from handshake.linking.service import PartnerAccess
from handshake.partners.kinds import PartnerKind
from tests.scope_matrix import PLACEHOLDER_ID, protected_routes, token_scopes_lacking


class Order(BaseModel):
    """A body with required and optional fields."""

    offer_id: str = Field(min_length=3)
    quantity: int = Field(ge=1)
    note: str | None = None


async def needs_checkout(
    access: Annotated[PartnerAccess, Depends(require_scopes("checkout", "offers"))],
) -> PartnerAccess:
    return access


def _app() -> FastAPI:
    router = APIRouter(prefix="/partner/v9", dependencies=[Depends(require_scopes("orders"))])

    @router.get("/orders/{order_id}")
    async def get_order(order_id: str) -> dict[str, str]:
        return {}

    plain = APIRouter()

    @plain.post("/partner/v9/carts/{cart_id}/orders")
    async def place(
        cart_id: str, order: Order, access: Annotated[PartnerAccess, Depends(needs_checkout)]
    ) -> dict[str, str]:
        return {}

    @plain.get("/public")
    async def public() -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router)
    app.include_router(plain)
    return app


def test_discovery_finds_router_level_and_nested_scope_requirements_only() -> None:
    routes = protected_routes(_app())

    assert [(r.method, r.path, r.scopes) for r in routes] == [
        ("GET", "/partner/v9/orders/{order_id}", ("orders",)),
        ("POST", "/partner/v9/carts/{cart_id}/orders", ("checkout", "offers")),
    ]


def test_protected_routes_are_called_with_placeholder_ids_and_a_minimal_body() -> None:
    orders, place = protected_routes(_app())

    assert orders.url() == f"/partner/v9/orders/{PLACEHOLDER_ID}"
    assert orders.body() is None
    assert place.url() == f"/partner/v9/carts/{PLACEHOLDER_ID}/orders"
    assert place.body() == {"offer_id": "xxx", "quantity": 1}


def test_token_lacking_a_scope_keeps_every_other_required_scope() -> None:
    assert token_scopes_lacking(("profile",), "profile") == (PartnerKind.SOCIAL, "offers")
    assert token_scopes_lacking(("checkout", "offers"), "offers") == (
        PartnerKind.SOCIAL,
        "checkout",
    )
    assert token_scopes_lacking(("devices.query", "devices.stream"), "devices.stream") == (
        PartnerKind.DEVICE_MAKER,
        "devices.query",
    )
    assert token_scopes_lacking(("devices.stream",), "devices.stream") == (
        PartnerKind.SOCIAL,
        "profile",
    )
