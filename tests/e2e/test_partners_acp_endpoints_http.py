"""ACP webhook endpoints over HTTP: the admin API and the partner page of the dashboard."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.partners import service
from tests.accounts_helpers import operator_headers
from tests.admin_helpers import post_form, signed_in_operator, text_of

ADMIN = "/api/v1/admin/partners"
PROBLEM = "application/problem+json"
SECRET = "agent_platform_secret_0123456789"  # a test value
ACP_TYPES = ["acp.order_create", "acp.order_update"]
MISMATCH = "event_types_not_for_scheme"


@pytest.fixture
async def op(container: Container) -> dict[str, str]:
    """Operator API key headers."""
    return await operator_headers(container)


async def _partner_id(client: httpx.AsyncClient, op: dict[str, str]) -> str:
    body = {"name": "Agentia", "kind": "assistant", "contact_email": "dev@agentia.example"}
    response = await client.post(ADMIN, json=body, headers=op)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


async def test_admin_api_registers_lists_and_rotates_acp_endpoints(
    client: httpx.AsyncClient, op: dict[str, str]
) -> None:
    url = f"{ADMIN}/{await _partner_id(client, op)}/webhook-endpoints"
    acp = {
        "url": "https://agentia.example/agentic_checkout/webhooks/order_events",
        "event_types": ACP_TYPES,
        "signature_scheme": "acp",
        "signing_secret": SECRET,
    }
    created = await client.post(url, json=acp, headers=op)
    assert created.status_code == 201, created.text
    assert created.json()["secret"] == SECRET
    assert created.headers["cache-control"] == "no-store"
    endpoint = created.json()["endpoint"]
    assert (endpoint["signature_scheme"], endpoint["event_types"]) == ("acp", ACP_TYPES)
    plain = await client.post(
        url, json={"url": "https://agentia.example/std", "event_types": ["order.created"]},
        headers=op,
    )  # fmt: skip
    assert plain.json()["endpoint"]["signature_scheme"] == "standard_webhooks"
    listed = (await client.get(url, headers=op)).json()["items"]
    assert [e["signature_scheme"] for e in listed] == ["acp", "standard_webhooks"]
    assert SECRET not in str(listed)

    rotate = f"{url}/{endpoint['id']}/rotate-secret"
    given = await client.post(rotate, json={"signing_secret": SECRET[::-1]}, headers=op)
    assert (given.status_code, given.json()["secret"]) == (200, SECRET[::-1])
    generated = await client.post(rotate, headers=op)
    assert generated.json()["secret"].startswith("whsec_")
    patched = await client.patch(
        f"{url}/{endpoint['id']}", json={"event_types": ["order.created"]}, headers=op
    )
    _problem(patched, 422, "event_types_not_for_scheme")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"signature_scheme": "acp", "event_types": ["order.created"]}, MISMATCH),
        ({"event_types": ["acp.order_create"]}, MISMATCH),
        ({"signature_scheme": "acp", "event_types": ACP_TYPES, "signing_secret": "short"},
         "invalid_signing_secret"),
        ({"event_types": ["order.created"], "signing_secret": SECRET}, "invalid_signing_secret"),
        ({"signature_scheme": "hmac", "event_types": ACP_TYPES}, "validation_failed"),
    ],
)  # fmt: skip
async def test_admin_api_refuses_mismatches_and_stores_nothing(
    client: httpx.AsyncClient, op: dict[str, str], fields: dict[str, Any], code: str
) -> None:
    url = f"{ADMIN}/{await _partner_id(client, op)}/webhook-endpoints"
    response = await client.post(
        url, json={"url": "https://agentia.example/h", **fields}, headers=op
    )
    problem = _problem(response, 422, code)
    if code == MISMATCH:
        assert problem["event_type"] in {"order.created", "acp.order_create"}
    assert (await client.get(url, headers=op)).json() == {"items": []}


async def test_dashboard_adds_an_acp_endpoint_and_shows_its_scheme(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    partner = await service.create_partner(
        uow=container.uow(), name="Agentia", kind="assistant", contact_email="dev@agentia.example"
    )
    base = f"/admin/partners/{partner.id}"
    page = await client.get(base)
    assert 'name="signature_scheme"' in page.text
    assert 'value="acp"' in page.text
    refused = await post_form(client, f"{base}/endpoints", token, url="https://agentia.example/h",
                              signature_scheme="acp", event_types=["order.created"])  # fmt: skip
    assert refused.status_code == 422
    assert 'data-testid="form-error"' in refused.text
    added = await post_form(client, f"{base}/endpoints", token, url="https://agentia.example/h",
                            signature_scheme="acp", signing_secret=SECRET,
                            event_types=ACP_TYPES)  # fmt: skip
    assert added.status_code == 201, added.text
    assert text_of(added.text, "shown-secret") == SECRET
    [endpoint] = await service.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner.id
    )
    assert (endpoint.signature_scheme, endpoint.signing_secret) == ("acp", SECRET)
    shown = (await client.get(base)).text
    assert 'data-testid="endpoint-scheme" data-scheme="acp"' in shown
    card = shown.split(f'data-endpoint-id="{endpoint.id}"')[1].split("</section>")[0]
    assert 'value="acp.order_create"' in card
    assert 'value="order.created"' not in card
    rotated = await post_form(client, f"{base}/endpoints/{endpoint.id}/rotate", token,
                              signing_secret=SECRET[::-1])  # fmt: skip
    assert text_of(rotated.text, "shown-secret") == SECRET[::-1]
    french = await client.get(base, headers={"accept-language": "fr"})
    assert "Schéma de signature" in french.text
