"""The dialogue's moves about shown products: compare, answer, add to cart, buy, show the cart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handshake.assistant import purchase
from handshake.assistant.answers import answer_from_catalog
from handshake.assistant.catalog_tools import Comparison, ProductDetail, SearchResult
from handshake.assistant.errors import ProductUnavailable
from handshake.assistant.intents import Reading
from handshake.assistant.purchase import CartSummary, CheckoutProposal
from handshake.assistant.tools import ToolContext, call_tool
from handshake.assistant.wording import blocker, listing, price, say
from handshake.catalog.search_text import normalise

if TYPE_CHECKING:
    from handshake.assistant.dialogue import Reply

_TWO = frozenset({"two", "2", "deux", "both", "les deux"})


def referenced(context: ToolContext, reading: Reading) -> str | None:
    """The shown product the message points to (by position), or the one in focus."""
    shown = context.state.shown
    if reading.position is not None and shown:
        if -len(shown) <= reading.position < len(shown):
            return shown[reading.position]
        return None
    return context.state.focus


async def compare(context: ToolContext, message: str, reply: Reply) -> None:
    """Compare the products shown last (two when asked for two, else up to three)."""
    lang, shown = context.language, context.state.shown
    if len(shown) < 2:
        reply.add(say("nothing_shown", lang))
        return
    count = 2 if set(normalise(message).split()) & _TWO else min(3, len(shown))
    result: Comparison = await call_tool(context, "compare", {"product_ids": shown[:count]})
    reply.comparison, reply.cards = result, result.cards
    by_id = {card.product_id: card for card in result.cards}
    reply.add(say("compare_intro", lang))
    for key, pick in (("top_pick", result.top_pick), ("budget_pick", result.budget_pick),
                      ("upgrade_pick", result.upgrade_pick)):  # fmt: skip
        if pick is not None:
            card = by_id[pick]
            reply.add(
                say(key, lang, title=card.title, price=price(card.price_minor, card.currency, lang))
            )
    keys = [key.replace("_", " ") for key, _ in result.differences]
    reply.add(
        say("differences", lang, keys=", ".join(keys)) if keys else say("no_differences", lang)
    )
    context.state.focus = result.top_pick


async def question(context: ToolContext, message: str, reading: Reading, reply: Reply) -> None:
    """Answer about one product from its catalog data only."""
    lang = context.language
    product_id = referenced(context, reading)
    if product_id is None:
        reply.add(say("which_product", lang))
        return
    detail: ProductDetail = await call_tool(context, "get_product", {"product_id": product_id})
    context.state.focus = product_id
    reply.cards = [detail.card]
    answer = answer_from_catalog(
        message, attributes=detail.attributes, description=detail.description
    )
    title = detail.card.title
    if not answer.found:
        reply.add(say("answer_unknown", lang, title=title))
    elif answer.source == "attribute":
        reply.add(
            say("answer_attribute", lang, title=title, label=answer.label, value=answer.value)
        )
    else:
        reply.add(say("answer_description", lang, title=title, value=answer.value))


async def add(context: ToolContext, reading: Reading, reply: Reply) -> bool:
    """Put the referenced product in the cart; offer substitutes when it is out of stock."""
    lang = context.language
    product_id = referenced(context, reading)
    if product_id is None:
        reply.add(say("which_product" if context.state.shown else "nothing_shown", lang))
        return False
    arguments = {"product_id": product_id, "quantity": reading.quantity}
    try:
        cart: CartSummary = await call_tool(context, "add_to_cart", arguments)
    except ProductUnavailable:
        await substitutes(context, product_id, reply)
        return False
    line = next((item for item in cart.lines if item["product_id"] == product_id), None)
    if line is not None and cart.currency is not None:
        total = price(cart.total_minor, cart.currency, lang)
        reply.add(say("added", lang, quantity=reading.quantity, title=line["title"], total=total))
    reply.cart = cart
    return True


async def substitutes(context: ToolContext, product_id: str, reply: Reply) -> None:
    """Say the product is out of stock and show similar products that are in stock."""
    lang = context.language
    document = context.live.index.get(product_id)
    if document is None:
        return
    title = document.title_fr if lang == "fr" else document.title_en
    reply.add(say("out_of_stock", lang, title=title))
    arguments = {
        "query": title, "categories": [document.category_path] if document.category_path else [],
        "in_stock": True, "limit": context.settings.cards_per_answer + 1,
    }  # fmt: skip
    result: SearchResult = await call_tool(context, "search", arguments)
    cards = [card for card in result.cards if card.product_id != product_id]
    if cards:
        reply.add(say("substitutes", lang))
        reply.cards = cards[: context.settings.cards_per_answer]
        context.state.shown = [card.product_id for card in reply.cards]
        context.state.focus = reply.cards[0].product_id


async def buy(context: ToolContext, reading: Reading, reply: Reply) -> None:
    """Put the referenced product in the cart if needed, then prepare the checkout to confirm."""
    lang, state = context.language, context.state
    # "Buy it" or "buy the second" names a product; a bare "checkout" buys the cart as it is.
    names_one = reading.position is not None or reading.mentions_it or not state.cart
    wanted = referenced(context, reading) if names_one else None
    in_cart = any(line.product_id == wanted for line in state.cart)
    if wanted is not None and not in_cart and not await add(context, reading, reply):
        return
    if not state.cart:
        reply.add(say("nothing_shown", lang))
        return
    proposal: CheckoutProposal = await call_tool(context, "start_checkout", {})
    reply.proposal = proposal
    if proposal.confirmation_token is None:
        reasons = listing([blocker(code, lang) for code in proposal.blockers], lang)
        reply.add(say("proposal_blocked", lang, reasons=reasons))
        return
    lines = ", ".join(f"{item['quantity']} × {item['title']}" for item in proposal.lines)
    when = f" — {proposal.delivery_label}" if proposal.delivery_label else ""
    reply.add(say(
        "proposal", lang, lines=lines, total=price(proposal.total_minor, proposal.currency, lang),
        shipping=price(proposal.shipping_minor, proposal.currency, lang), when=when,
        address=proposal.address or "—", card=proposal.card or "—",
    ))  # fmt: skip


async def show_cart(context: ToolContext, reply: Reply) -> None:
    """The conversation's cart with live prices."""
    lang = context.language
    cart = await purchase.cart_summary(context)
    reply.cart = cart
    if not cart.lines or cart.currency is None:
        reply.add(say("cart_empty", lang))
        return
    lines = ", ".join(f"{item['quantity']} × {item['title']}" for item in cart.lines)
    reply.add(say("cart", lang, lines=lines, total=price(cart.total_minor, cart.currency, lang)))
