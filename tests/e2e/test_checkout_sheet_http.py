"""The hosted checkout sheet: a partner without its own UI lets the shopper pay with one tap."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.kernel import clock
from tests.checkout_helpers import checkout_shopper, create_session, prepared_catalog
from tests.linking_helpers import FROZEN_START, browser
from tests.offers_helpers import shopper_browser


def _form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))


async def _open_sheet(
    app: object, container: Container, client: httpx.AsyncClient, webview: httpx.AsyncClient
) -> tuple[str, dict[str, str]]:
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    session = (await create_session(client, linked, [("ACM-X1-WHT", 1)])).json()
    page = await webview.get(session["sheet_url"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200, page.text
    return session["id"], _form_fields(page.text)


async def test_one_tap_places_the_order_and_returns_to_the_partner(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Confirming posts the shown total; the shopper lands on the registered redirect URI."""
    async with browser(app) as webview:
        session_id, fields = await _open_sheet(app, container, client, webview)
        assert fields["total_minor"] == "12999"
        answer = await webview.post(f"/checkout/sheet/{session_id}", data=fields)
        again = await webview.post(f"/checkout/sheet/{session_id}", data=fields)  # a double tap
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://app.example/callback"
    query = parse_qs(target.query)
    assert query["status"] == ["completed"]
    assert query["checkout_session"] == [session_id]
    assert again.status_code == 303
    assert again.headers["location"] == answer.headers["location"]
    page = await checkout.list_orders(uow=container.read_uow(), where=checkout.OrderFilter())
    orders = [d.order for d in page.items]
    assert [o.id for o in orders] == query["order_id"]


async def test_a_forged_link_opens_nothing(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Without the link's MAC the sheet is not found and nothing can be paid."""
    async with browser(app) as webview:
        session_id, fields = await _open_sheet(app, container, client, webview)
        page = await webview.get(f"/checkout/sheet/{session_id}?t=0000")
        posted = await webview.post(f"/checkout/sheet/{session_id}", data={**fields, "t": "0000"})
    assert page.status_code == 404
    assert posted.status_code == 404
    page = await checkout.list_orders(uow=container.read_uow(), where=checkout.OrderFilter())
    assert page.items == []


async def test_a_stale_total_shows_the_sheet_again(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A total other than the session's is refused with the sheet shown again, nothing paid."""
    async with browser(app) as webview:
        session_id, fields = await _open_sheet(app, container, client, webview)
        refused = await webview.post(
            f"/checkout/sheet/{session_id}", data={**fields, "total_minor": "100"}
        )
    assert refused.status_code == 409
    assert 'id="sheet-error"' in refused.text
    page = await checkout.list_orders(uow=container.read_uow(), where=checkout.OrderFilter())
    assert page.items == []


async def test_the_sheet_cannot_be_framed_cached_or_leak_its_link(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Anti-framing, no-store and no-referrer headers on the sheet."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    session = (await create_session(client, linked, [("ACM-X1-WHT", 1)])).json()
    async with browser(app) as webview:
        page = await webview.get(session["sheet_url"].removeprefix("http://127.0.0.1:8000"))
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"


async def test_bad_old_or_unlinked_sheet_links_open_nothing(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Non-ASCII MACs, links older than a day and links of an unlinked partner: 404."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = (await create_session(client, linked, [("ACM-X1-WHT", 1)])).json()
        path = session["sheet_url"].removeprefix("http://127.0.0.1:8000")
        async with browser(app) as webview:
            assert (await webview.get(f"/checkout/sheet/{session['id']}?t=1.é")).status_code == 404
            clock.advance(timedelta(hours=24, seconds=1))
            assert (await webview.get(path)).status_code == 404
    fresh = (await create_session(client, linked, [("ACM-X1-WHT", 1)])).json()
    fresh_path = fresh["sheet_url"].removeprefix("http://127.0.0.1:8000")
    async with shopper_browser(app, container, linked.login) as shopper:
        links = (await shopper.get("/api/v1/me/links")).json()
        ended = await shopper.delete(
            f"/api/v1/me/links/{links[0]['id']}", headers={"X-CSRF-Token": linked.login.csrf_token}
        )
    assert ended.status_code in (200, 204), ended.text
    async with browser(app) as webview:
        assert (await webview.get(fresh_path)).status_code == 404
