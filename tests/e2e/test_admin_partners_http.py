"""Dashboard partner pages: registration (secret shown once), clients, endpoints, suspension."""

from __future__ import annotations

import re

import httpx

from handshake.bootstrap import Container
from handshake.partners import service
from handshake.partners.credentials import client_secret_matches
from tests.admin_helpers import post_form, signed_in_operator, text_of


async def _register(
    client: httpx.AsyncClient, token: str, **fields: str | list[str]
) -> httpx.Response:
    values: dict[str, str | list[str]] = {
        "name": "Picto", "kind": "social", "contact_email": "dev@picto.example",
        "contact_name": "Pia", "client_type": "confidential",
        "redirect_uris": "https://picto.example/cb\nhttps://picto.example/cb2",
        "scopes": ["profile", "offers"],
    }  # fmt: skip
    values.update(fields)
    return await post_form(client, "/admin/partners", token, **values)


async def test_registration_shows_the_secret_once_and_stores_the_partner(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    response = await _register(client, token)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    secret, client_id = text_of(response.text, "client-secret"), text_of(response.text, "client-id")
    [partner] = await service.list_partners(uow=container.read_uow())
    assert (partner.name, partner.kind, partner.contact_email, partner.contact_name) == (
        "Picto", "social", "dev@picto.example", "Pia",
    )  # fmt: skip
    [oauth] = await service.list_clients(uow=container.read_uow(), partner_id=partner.id)
    assert (oauth.id, oauth.allowed_scopes) == (client_id, ["profile", "offers"])
    assert oauth.redirect_uris == ["https://picto.example/cb", "https://picto.example/cb2"]
    assert client_secret_matches(secret, oauth.secret_hash)
    listed = await client.get("/admin/partners")
    assert f'data-testid="partner-row" data-partner-id="{partner.id}"' in listed.text
    page = await client.get(f"/admin/partners/{partner.id}")
    assert secret not in page.text  # never shown again


async def test_registration_errors_keep_the_form_and_create_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    for fields, status in [
        ({"scopes": ["devices.stream"]}, 422),
        ({"contact_email": "not-an-email"}, 422),
        ({"redirect_uris": "ftp://picto.example/cb"}, 422),
    ]:
        response = await _register(client, token, **fields)
        assert response.status_code == status, response.text
        assert 'data-testid="form-error"' in response.text
        assert 'value="Picto"' in response.text
    assert await service.list_partners(uow=container.read_uow()) == []


async def test_clients_endpoints_and_suspension(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    await _register(client, token)
    [partner] = await service.list_partners(uow=container.read_uow())
    base = f"/admin/partners/{partner.id}"

    created = await post_form(
        client, f"{base}/clients", token, client_type="public",
        redirect_uris="https://picto.example/app", scopes=["offers"],
    )  # fmt: skip
    assert created.status_code == 201
    clients = await service.list_clients(uow=container.read_uow(), partner_id=partner.id)
    assert [(c.client_type, c.allowed_scopes) for c in clients] == [
        ("confidential", ["profile", "offers"]), ("public", ["offers"]),
    ]  # fmt: skip
    first = clients[0]
    rotated = await post_form(client, f"{base}/clients/{first.id}/rotate", token)
    new_secret = text_of(rotated.text, "shown-secret")
    renewed = await service.list_clients(uow=container.read_uow(), partner_id=partner.id)
    assert client_secret_matches(new_secret, renewed[0].secret_hash)
    revoked = await post_form(client, f"{base}/clients/{first.id}/revoke", token)
    assert revoked.headers["location"] == f"{base}?done=revoked"
    assert (await service.list_clients(uow=container.read_uow(), partner_id=partner.id))[
        0
    ].is_revoked

    added = await post_form(client, f"{base}/endpoints", token, url="https://picto.example/hooks",
                            event_types=["order.created", "order.shipped"])  # fmt: skip
    assert added.status_code == 201
    [endpoint] = await service.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner.id
    )
    assert text_of(added.text, "shown-secret") == endpoint.signing_secret
    assert endpoint.event_types == ["order.created", "order.shipped"]
    none = await post_form(client, f"{base}/endpoints/{endpoint.id}", token, enabled="on")
    assert none.status_code == 422  # at least one event type
    await post_form(client, f"{base}/endpoints/{endpoint.id}", token,
                    event_types=["order.refunded"])  # fmt: skip
    [changed] = await service.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner.id
    )
    assert (changed.event_types, changed.enabled) == (["order.refunded"], False)
    rotated_hook = await post_form(client, f"{base}/endpoints/{endpoint.id}/rotate", token)
    [rekeyed] = await service.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner.id
    )
    assert text_of(rotated_hook.text, "shown-secret") == rekeyed.signing_secret
    assert rekeyed.signing_secret != endpoint.signing_secret
    await post_form(client, f"{base}/endpoints/{endpoint.id}/delete", token)
    assert (
        await service.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner.id) == []
    )

    blank = await post_form(client, f"{base}/suspend", token, reason=" ")
    assert blank.status_code == 422
    assert (await service.get_partner(uow=container.read_uow(), partner_id=partner.id)).is_active
    await post_form(client, f"{base}/suspend", token, reason="abuse report")
    page = await client.get(base)
    assert 'data-testid="partner-status">suspended<' in page.text
    await post_form(client, f"{base}/reactivate", token)
    assert (await service.get_partner(uow=container.read_uow(), partner_id=partner.id)).is_active
    assert re.search(r'data-testid="suspend"', (await client.get(base)).text)
