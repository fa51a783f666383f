"""Scripted conversations with the rule-based assistant over HTTP, in English and French.

Clarify → narrow → compare → buy with a two-step confirmation; refusals; substitution; the
cheapest answered from data. Every price asserted is the catalog's.
"""

from __future__ import annotations

import httpx

from handshake.assistant.models import Conversation
from handshake.bootstrap import Container
from handshake.checkout.models import CheckoutSession, Order
from tests.assistant_helpers import kitchen_shop, start_chat
from tests.linking_helpers import row_count
from tests.shop_helpers import ready_shopper


async def test_english_clarify_narrow_compare_buy_with_confirmation(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    login = await ready_shopper(client, container)
    chat = await start_chat(client, headers=login.csrf_headers)

    broad = await chat.say("I need a kettle")
    assert "material" in broad["text"]
    assert "budget" in broad["text"]
    assert "25.00 EUR" in broad["text"]
    assert "99.00 EUR" in broad["text"]
    assert set(broad["suggestions"]) == {"stainless steel", "glass", "plastic"}

    narrowed = await chat.say("glass, under 48 euros")
    assert narrowed["cards"][0]["product_id"] == ids["vaporo-glass"]
    assert narrowed["cards"][0]["price"]["amount_minor"] == 4500
    assert all(card["price"]["amount_minor"] <= 4800 for card in narrowed["cards"])

    compared = await chat.say("compare the first two")
    assert compared["comparison"]["product_ids"] == [c["product_id"] for c in narrowed["cards"][:2]]
    assert compared["comparison"]["top_pick"] == ids["vaporo-glass"]
    assert "Top pick: Vaporo Glass kettle 1.2 L at 45.00 EUR." in compared["text"]

    proposed = await chat.say("buy the first one")
    checkout = proposed["checkout"]
    assert checkout["lines"] == [
        {"sku": "VAP-GLASS", "title": "Vaporo Glass kettle 1.2 L", "quantity": 1,
         "unit_price_minor": 4500}
    ]  # fmt: skip
    assert checkout["total"]["amount_minor"] == 4500 + checkout["shipping"]["amount_minor"]
    token = checkout["confirmation_token"]
    assert token
    assert proposed["order"] is None
    assert await row_count(container, Order.__tablename__) == 0

    typed_yes = await chat.say("yes")
    assert typed_yes["order"] is None
    assert "confirm" in typed_yes["text"].lower()
    assert await row_count(container, Order.__tablename__) == 0

    bought = await chat.say("yes", confirm=token)
    assert bought["order"]["total"]["amount_minor"] == checkout["total"]["amount_minor"]
    assert await row_count(container, Order.__tablename__) == 1

    replayed = await chat.say("yes", confirm=token)
    assert replayed["order"] is None
    assert await row_count(container, Order.__tablename__) == 1


async def test_french_question_answered_from_catalog_then_purchase(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    login = await ready_shopper(client, container)
    chat = await start_chat(client, language="fr", headers=login.csrf_headers)

    broad = await chat.say("je cherche une bouilloire")
    assert "matériau" in broad["text"] or "material" in broad["text"]
    assert "Quel est votre budget ?" in broad["text"]

    narrowed = await chat.say("en verre, moins de 48 €")
    assert narrowed["cards"][0]["product_id"] == ids["vaporo-glass"]
    assert narrowed["cards"][0]["title"] == "Bouilloire en verre Vaporo 1,2 L"

    answer = await chat.say("quelle est la garantie du premier ?")
    assert answer["text"] == (
        "D'après la fiche du catalogue, Bouilloire en verre Vaporo 1,2 L — warranty years : 2."
    )
    unknown = await chat.say("est-ce qu'il fonctionne avec Alexa ?")
    assert "ne le précise pas" in unknown["text"]

    proposed = await chat.say("je prends le premier")
    token = proposed["checkout"]["confirmation_token"]
    assert "Confirmez pour acheter" in proposed["text"]
    assert "45,00 EUR" in proposed["text"]
    bought = await chat.say("oui", confirm=token)
    assert bought["order"] is not None
    assert "C'est fait" in bought["text"]


async def test_cheapest_is_answered_from_catalog_prices(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    chat = await start_chat(client)
    turn = await chat.say("what is the cheapest kettle?")
    assert turn["cards"][0]["product_id"] == ids["vaporo-compact"]
    assert turn["cards"][0]["price"]["amount_minor"] == 2500
    prices = [card["price"]["amount_minor"] for card in turn["cards"]]
    assert prices == sorted(prices)


async def test_out_of_stock_product_gets_in_stock_substitutes(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    login = await ready_shopper(client, container)
    chat = await start_chat(client, headers=login.csrf_headers)
    found = await chat.say("Kettlo Travel kettle")
    assert found["cards"][0]["product_id"] == ids["kettlo-travel"]
    assert found["cards"][0]["availability"] == "out_of_stock"
    turn = await chat.say("add it to my cart")
    assert "Kettlo Travel kettle 0.5 L is out of stock." in turn["text"]
    assert turn["cards"]
    assert all(c["availability"] != "out_of_stock" for c in turn["cards"])
    assert ids["kettlo-travel"] not in [c["product_id"] for c in turn["cards"]]
    assert turn["cart"] is None


async def test_anonymous_shopper_cannot_buy_and_nothing_is_held(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    chat = await start_chat(client)
    await chat.say("Brewell Steel kettle")
    turn = await chat.say("buy the first one")
    assert turn["checkout"] is None
    assert "sign in" in turn["text"]
    assert await row_count(container, CheckoutSession.__tablename__) == 0


async def test_confirmation_token_of_another_conversation_buys_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container)
    first = await start_chat(client, headers=login.csrf_headers)
    second = await start_chat(client, headers=login.csrf_headers)
    await first.say("Brewell Steel kettle")
    token = (await first.say("buy the first"))["checkout"]["confirmation_token"]
    stolen = await second.say("yes", confirm=token)
    assert stolen["order"] is None
    assert await row_count(container, Order.__tablename__) == 0


async def test_changing_the_cart_gives_back_the_stock_of_the_shown_purchase(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container)
    chat = await start_chat(client, headers=login.csrf_headers)
    await chat.say("Brewell Steel kettle")
    first = (await chat.say("buy the first"))["checkout"]
    await chat.say("Vaporo Glass kettle")
    added = await chat.say("add it to my cart")
    assert [line["sku"] for line in added["cart"]["lines"]] == ["BRW-STEEL", "VAP-GLASS"]
    async with container.read_uow() as uow:
        shown = await uow.session.get(CheckoutSession, first["session_id"])  # type: ignore[attr-defined]
    assert shown is not None
    assert shown.status == "canceled"
    stale = await chat.say("yes", confirm=first["confirmation_token"])
    assert stale["order"] is None
    assert await row_count(container, Order.__tablename__) == 0


async def test_conversations_are_in_the_export_and_gone_after_erasure(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    login = await ready_shopper(client, container)
    chat = await start_chat(client, headers=login.csrf_headers)
    await chat.say("Brewell Steel kettle")
    exported = (await client.get("/api/v1/me/export")).json()["sections"]["assistant_conversations"]
    assert [turn["message"] for turn in exported[0]["turns"]] == ["Brewell Steel kettle"]
    erased = await client.delete("/api/v1/me", headers=login.csrf_headers)
    assert erased.status_code == 204
    assert await row_count(container, Conversation.__tablename__) == 0
