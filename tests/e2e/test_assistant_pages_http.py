"""The assistant's pages: the shopper's chat at /assistant (htmx and no-JS) and the dashboard log.

Prices asserted are the kitchen catalog's; a purchase needs the Confirm button's token, and only
the conversation's own shopper gets the conversation of a cookie.
"""

from __future__ import annotations

import re
from html import unescape

import httpx
from sqlalchemy import select

from handshake.assistant.models import Conversation
from handshake.assistant.views import COOKIE
from handshake.bootstrap import Container
from handshake.checkout.models import CheckoutSession, Order
from tests.admin_helpers import csrf_of, operator_client
from tests.assistant_helpers import kitchen_shop
from tests.linking_helpers import row_count
from tests.shop_helpers import ready_shopper, tagged, text_of

HTMX = {"HX-Request": "true"}
BROWSER = {"Accept": "text/html"}


async def _say(client: httpx.AsyncClient, token: str, text: str) -> str:
    """Send ``text`` as htmx does; the fragment appended to the transcript."""
    response = await client.post(
        "/assistant/messages", data={"csrf_token": token, "text": text}, headers=HTMX
    )
    assert response.status_code == 200, response.text
    return response.text


async def _confirm(client: httpx.AsyncClient, token: str, confirmation: str) -> str:
    response = await client.post(
        "/assistant/confirm",
        data={"csrf_token": token, "confirmation_token": confirmation},
        headers=HTMX,
    )
    assert response.status_code == 200, response.text
    return response.text


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match is not None, html
    return unescape(match.group(1))


def _cookie_value(client: httpx.AsyncClient) -> str:
    found = [cookie for cookie in client.cookies.jar if cookie.name == COOKIE]
    assert len(found) == 1
    return str(found[0].value)


async def test_looking_stores_nothing_the_first_message_sets_an_httponly_cookie(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    page = await client.get("/assistant")
    assert page.status_code == 200
    assert COOKIE not in page.headers.get("set-cookie", "")
    assert page.headers["cache-control"] == "no-store"
    assert text_of(page.text, "example-prompt") == [
        "Kettles", "Toasters at the best price", "Show my cart"
    ]  # fmt: skip
    nav = ['<a href="/assistant" data-testid="nav-assistant">']
    assert tagged(page.text, "nav-assistant") == nav
    assert await row_count(container, Conversation.__tablename__) == 0

    sent = await client.post(
        "/assistant/messages",
        data={"csrf_token": _hidden(page.text, "csrf_token"), "text": "kettle"}, headers=HTMX,
    )  # fmt: skip
    cookie = sent.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=cnv_")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/assistant" in cookie
    assert await row_count(container, Conversation.__tablename__) == 1
    again = await client.get("/assistant")
    assert COOKIE not in again.headers.get("set-cookie", "")
    assert text_of(again.text, "shopper-message") == ["You: kettle"]
    assert await row_count(container, Conversation.__tablename__) == 1


async def test_htmx_message_answers_cards_with_catalog_prices(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    fragment = await _say(client, token, "Brewell Steel kettle")
    assert fragment.lstrip().startswith('<li class="turn" data-testid="turn">')
    assert text_of(fragment, "shopper-message") == ["You: Brewell Steel kettle"]
    cards = tagged(fragment, "assistant-card")
    assert cards[0] == (
        f'<li class="card" data-testid="assistant-card" data-product-id="{ids["brewell-steel"]}">'
    )
    assert f'<a href="/products/{ids["brewell-steel"]}">Brewell Steel kettle 1.7 L</a>' in fragment
    assert text_of(fragment, "card-price")[0] == "39.00 EUR"
    assert text_of(fragment, "card-stock")[0] == "In stock"
    assert text_of(fragment, "card-list-price") == []  # not a member: no struck price


async def test_comparison_table_shows_the_picks_and_what_differs(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    await _say(client, token, "I need a kettle")
    narrowed = await _say(client, token, "glass, under 48 euros")
    shown = re.findall(r'data-testid="assistant-card" data-product-id="(\w+)"', narrowed)
    assert shown[:2] == [ids["vaporo-glass"], ids["vaporo-compact"]]
    compared = await _say(client, token, "compare the first two")
    assert tagged(compared, "assistant-card") == []  # the table stands for the cards
    columns = re.findall(r'<th scope="col" data-product-id="(\w+)">', compared)
    assert columns == shown[:2]
    assert text_of(compared, "pick-top") == ["Top pick"]
    assert compared.index('data-testid="pick-top"') < compared.index(
        f'data-product-id="{ids["vaporo-compact"]}"'
    )
    assert text_of(compared, "pick-budget") == ["Budget pick"]
    assert text_of(compared, "card-price") == ["45.00 EUR", "25.00 EUR"]
    assert text_of(compared, "comparison-difference") == [
        "material glass plastic", "capacity l 1.2 1.0"
    ]  # fmt: skip


async def test_a_member_sees_the_member_price_with_the_list_price_struck(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container, member=True)
    fragment = await _say(client, login.csrf_token, "Brewell Steel kettle")
    assert text_of(fragment, "card-price")[0] == "35.00 EUR"
    assert text_of(fragment, "card-list-price")[0] == "instead of 39.00 EUR"


async def test_without_javascript_a_message_redirects_to_the_transcript(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    posted = await client.post(
        "/assistant/messages", data={"csrf_token": token, "text": "Brewell Steel kettle"}
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == "/assistant"
    page = await client.get("/assistant")
    assert text_of(page.text, "shopper-message") == ["You: Brewell Steel kettle"]
    replies = text_of(page.text, "reply-text")
    assert len(replies) == 1
    assert replies[0].startswith("Here is what I found:")
    assert tagged(page.text, "assistant-empty") == []


async def test_buy_flow_confirms_exactly_once_and_a_typed_yes_buys_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container)
    token = login.csrf_token
    await _say(client, token, "Brewell Steel kettle")
    proposed = await _say(client, token, "buy the first")
    async with container.read_uow() as uow:
        session = (await uow.session.scalars(select(CheckoutSession))).one()  # type: ignore[attr-defined]
    assert session.items_minor == 3900
    total = f"{session.total_minor // 100}.{session.total_minor % 100:02d} EUR"
    assert text_of(proposed, "confirmation-line") == ["Brewell Steel kettle 1.7 L 1 39.00 EUR"]
    assert text_of(proposed, "confirmation-items") == ["39.00 EUR"]
    assert text_of(proposed, "confirmation-total") == [total]
    assert text_of(proposed, "confirmation-address") == ["75••• Paris"]
    assert text_of(proposed, "confirmation-card") == ["visa •••• 4242"]
    assert text_of(proposed, "confirm-purchase") == [f"Confirm and pay {total}"]
    assert _hidden(proposed, "text") == "no"  # the "No thanks" button
    confirmation = _hidden(proposed, "confirmation_token")

    typed = await _say(client, token, "yes")
    assert "confirm" in text_of(typed, "reply-text")[0].lower()
    assert tagged(typed, "confirmation") == []
    assert await row_count(container, Order.__tablename__) == 0

    bought = await _confirm(client, token, confirmation)
    assert await row_count(container, Order.__tablename__) == 1
    async with container.read_uow() as uow:
        order = (await uow.session.scalars(select(Order))).one()  # type: ignore[attr-defined]
    assert order.total_minor == session.total_minor
    assert text_of(bought, "shopper-message") == ["You: I confirm the order."]
    assert text_of(bought, "assistant-order") == [f"Order placed: {total}. See order {order.id}"]
    assert f'href="/account/orders/{order.id}"' in bought
    assert (await client.get(f"/account/orders/{order.id}")).status_code == 200

    replayed = await _confirm(client, token, confirmation)
    assert tagged(replayed, "assistant-order") == []
    assert await row_count(container, Order.__tablename__) == 1


async def test_anonymous_shopper_is_asked_to_sign_in_and_nothing_is_held(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    page = await client.get("/assistant")
    assert tagged(page.text, "assistant-signin") == ['<p data-testid="assistant-signin">']
    assert '<a href="/signin?next=/assistant">' in page.text
    token = _hidden(page.text, "csrf_token")
    await _say(client, token, "Brewell Steel kettle")
    turn = await _say(client, token, "buy the first")
    assert "sign in" in text_of(turn, "reply-text")[0]
    assert tagged(turn, "confirmation") == []
    assert await row_count(container, CheckoutSession.__tablename__) == 0


async def test_another_shoppers_cookie_starts_a_new_conversation(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    first = await ready_shopper(client, container)
    await _say(client, first.csrf_token, "Brewell Steel kettle")
    stolen = _cookie_value(client)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await ready_shopper(other, container)
        jar = next(c for c in client.cookies.jar if c.name == COOKIE)
        other.cookies.set(COOKIE, stolen, domain=jar.domain, path=jar.path)
        page = await other.get("/assistant")
        assert page.status_code == 200
        assert text_of(page.text, "shopper-message") == []
        await _say(other, _hidden(page.text, "csrf_token"), "kettle")
        assert _cookie_value(other) != stolen
    assert await row_count(container, Conversation.__tablename__) == 2


async def test_errors_are_inline_for_htmx_and_an_error_page_otherwise(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    fragment = await client.post(
        "/assistant/messages", data={"csrf_token": token, "text": "  "}, headers=HTMX
    )
    assert fragment.status_code == 200
    assert tagged(fragment.text, "assistant-error") == [
        '<p class="error" role="alert" data-testid="assistant-error">'
    ]
    assert text_of(fragment.text, "assistant-error") == ["Send a message, or a confirmation token."]
    page = await client.post(
        "/assistant/messages", data={"csrf_token": token, "text": ""}, headers=BROWSER
    )
    assert page.status_code == 422
    assert tagged(page.text, "problem") == [
        '<p class="error" role="alert" data-testid="problem" data-code="empty_message">'
    ]


async def test_new_conversation_forgets_the_transcript(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    await _say(client, token, "Brewell Steel kettle")
    before = _cookie_value(client)
    reset = await client.post("/assistant/reset", data={"csrf_token": token})
    assert reset.status_code == 303
    assert reset.headers["location"] == "/assistant"
    page = await client.get("/assistant")
    assert text_of(page.text, "shopper-message") == []
    await _say(client, token, "kettle")
    assert _cookie_value(client) != before
    assert await row_count(container, Conversation.__tablename__) == 2


async def test_french_page_and_answers(client: httpx.AsyncClient, container: Container) -> None:
    ids = await kitchen_shop(container)
    page = await client.get("/assistant?lang=fr")
    assert "<h1>Assistant d’achat</h1>" in page.text
    assert '<label for="assistant-text">Votre message</label>' in page.text
    assert text_of(page.text, "send") == ["Envoyer"]
    assert text_of(page.text, "new-conversation") == ["Nouvelle conversation"]
    assert text_of(page.text, "example-prompt") == [
        "Bouilloires", "Grille-pain au meilleur prix", "Afficher mon panier"
    ]  # fmt: skip
    token = _hidden(page.text, "csrf_token")
    fragment = await _say(client, token, "bouilloire inox Brewell")
    assert text_of(fragment, "shopper-message") == ["Vous : bouilloire inox Brewell"]
    assert f'<a href="/products/{ids["brewell-steel"]}">Bouilloire inox Brewell 1,7 L</a>' in (
        fragment
    )
    assert text_of(fragment, "card-stock")[0] == "En stock"


async def test_switching_the_page_language_starts_a_conversation_in_it(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    token = await csrf_of(client, "/assistant")
    await _say(client, token, "Brewell Steel kettle")
    english = _cookie_value(client)
    page = await client.get("/assistant?lang=fr")
    assert text_of(page.text, "shopper-message") == []
    await _say(client, token, "bouilloire")
    assert _cookie_value(client) != english
    async with container.read_uow() as uow:
        found = (await uow.session.scalars(select(Conversation))).all()  # type: ignore[attr-defined]
    assert sorted(c.language for c in found) == ["en", "fr"]


async def test_dashboard_lists_conversations_and_shows_turns_with_tool_calls(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container)
    await _say(client, login.csrf_token, "Brewell Steel kettle")
    proposed = await _say(client, login.csrf_token, "buy the first")
    await _confirm(client, login.csrf_token, _hidden(proposed, "confirmation_token"))
    conversation_id = _cookie_value(client).split(".")[0]

    assert (await client.get("/admin/assistant")).status_code == 403  # a shopper's session
    async with operator_client(app, container) as (admin, _):
        listing = await admin.get("/admin/assistant")
        assert listing.status_code == 200
        assert tagged(listing.text, "nav-assistant")[0].endswith('aria-current="page">')
        rows = tagged(listing.text, "conversation-row")
        assert rows == [
            f'<tr data-testid="conversation-row" data-conversation-id="{conversation_id}">'
        ]
        assert text_of(listing.text, "conversation-turns") == ["3"]
        assert f"client <code>{login.shopper_id}</code>" not in listing.text
        assert f"shopper <code>{login.shopper_id}</code>" in listing.text

        detail = await admin.get(f"/admin/assistant/{conversation_id}")
        assert detail.status_code == 200
        assert text_of(detail.text, "turn-message") == [
            "Brewell Steel kettle", "buy the first", "[confirmation]"
        ]  # fmt: skip
        assert text_of(detail.text, "turn-policy") == ["rules", "rules", "rules"]
        tools = re.findall(r'data-testid="tool-call" data-tool="(\w+)"', detail.text)
        assert tools[0] == "search"
        assert tools[-3:] == ["add_to_cart", "start_checkout", "confirm_purchase"]
        assert text_of(detail.text, "tool-outcome")[-1] == "ok"
        arguments = text_of(detail.text, "tool-arguments")
        assert arguments[-1] == '{"confirmation_token": "[redacted]"}'
        missing = await admin.get("/admin/assistant/cnv_nope", headers=BROWSER)
        assert missing.status_code == 404
