"""The rule-based dialogue: reads each message, calls tools, and words the answer from results.

No language model is needed. Every figure it says (price, stock, delivery, totals) comes from a
tool result of this turn; product facts come only from the catalog's own data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handshake.assistant import dialogue_actions as actions
from handshake.assistant import purchase, vocabulary_cache
from handshake.assistant.cards import ProductCard
from handshake.assistant.catalog_tools import Comparison, SearchResult
from handshake.assistant.clarify import clarification, is_too_broad
from handshake.assistant.constraints import Constraints
from handshake.assistant.errors import ConfirmationExpired, ConfirmationRequired, ToolNotGranted
from handshake.assistant.intents import Intent, read_message, without_fillers
from handshake.assistant.purchase import CartSummary, CheckoutProposal, Purchase
from handshake.assistant.request_parsing import parse_request
from handshake.assistant.state import ConversationState
from handshake.assistant.terms import terms
from handshake.assistant.tools import ToolContext, call_tool
from handshake.assistant.wording import action, price, say
from handshake.catalog.search_text import normalise
from handshake.kernel import clock
from handshake.kernel.errors import DomainError


@dataclass
class Reply:
    """What one turn answers: words, and the tool results they were made from."""

    text: list[str] = field(default_factory=list)
    cards: list[ProductCard] = field(default_factory=list)
    comparison: Comparison | None = None
    cart: CartSummary | None = None
    proposal: CheckoutProposal | None = None
    purchase: Purchase | None = None
    suggestions: list[str] = field(default_factory=list)

    def add(self, sentence: str) -> None:
        """Append a sentence."""
        self.text.append(sentence)


class RulesPolicy:
    """The default dialogue policy."""

    name = "rules"

    async def respond(self, context: ToolContext, message: str) -> Reply:
        """Answer ``message`` (or the shopper's confirmation) for the turn in ``context``."""
        reply = Reply()
        try:
            await self._respond(context, message, reply)
        except ToolNotGranted as exc:
            tool = str(exc.extra.get("tool", ""))
            key = "needs_sign_in" if context.caller.shopper_id is None else "not_granted"
            reply.add(say(key, context.language, action=action(tool, context.language)))
        except ConfirmationExpired:
            reply.add(say("confirmation_invalid", context.language))
        except DomainError as exc:
            reply.add(say("failed", context.language, detail=exc.detail))
        return reply

    async def _respond(self, context: ToolContext, message: str, reply: Reply) -> None:
        state, lang = context.state, context.language
        if context.shopper_confirmation is not None:
            await _confirm(context, reply)
            return
        reading = read_message(
            message, has_pending=state.pending is not None, has_shown=bool(state.shown)
        )
        if reading.intent is Intent.CONFIRM_YES:
            reply.add(say("confirm_with_button" if state.pending else "nothing_pending", lang))
        elif reading.intent is Intent.DECLINE:
            await purchase.drop_pending(context)
            reply.add(say("declined", lang))
        elif reading.intent is Intent.RESET:
            await purchase.drop_pending(context)  # its stock goes back now, not at expiry
            context.state = ConversationState(cart=state.cart)
            reply.add(say("reset", lang))
        elif reading.intent is Intent.GREETING:
            reply.add(say("greeting", lang))
        elif reading.intent is Intent.SHOW_CART:
            await actions.show_cart(context, reply)
        elif reading.intent is Intent.COMPARE:
            await actions.compare(context, message, reply)
        elif reading.intent is Intent.QUESTION:
            await actions.question(context, message, reading, reply)
        elif reading.intent is Intent.ADD_TO_CART:
            await actions.add(context, reading, reply)
        elif reading.intent is Intent.BUY:
            await actions.buy(context, reading, reply)
        else:
            await _search(context, message, reply)


async def _confirm(context: ToolContext, reply: Reply) -> None:
    token = context.shopper_confirmation or ""
    try:
        bought: Purchase = await call_tool(
            context, "confirm_purchase", {"confirmation_token": token}
        )
    except ConfirmationRequired:
        reply.add(say("confirm_with_button", context.language))
        return
    reply.purchase = bought
    total = price(bought.total_minor, bought.currency, context.language)
    reply.add(say("ordered", context.language, order=bought.order_id, total=total))


async def _search(context: ToolContext, message: str, reply: Reply) -> None:
    state, lang = context.state, context.language
    vocabulary = await vocabulary_cache.vocabulary_of(context)
    parsed = parse_request(message, vocabulary, today=clock.now().date(), language=lang)
    wanted = without_fillers(parsed.need)
    if terms(wanted):
        need, continues = _next_need(state, wanted, parsed.constraints)
        merged = state.constraints.merged(parsed.constraints)
        state.need, state.constraints = need, merged if continues else parsed.constraints
    else:  # only constraints ("under 50 €", "in stock"): they refine the current need
        state.constraints = state.constraints.merged(parsed.constraints)
    if not state.need and state.constraints.is_empty():
        reply.add(say("greeting", lang))
        return
    sort = (
        "price_asc" if parsed.wants_cheapest else "price_desc" if parsed.wants_best else "relevance"
    )
    result = await _run_search(context, state.need, state.constraints, sort)
    if not result.cards and not state.constraints.is_empty():
        await _relaxed(context, reply, sort)
        return
    _show(context, reply, result.cards, "found_cheapest" if parsed.wants_cheapest else "found")
    if _should_clarify(state, result, sort):
        state.asked.append(state.need)
        _clarify(context, reply, result)


def _should_clarify(state: ConversationState, result: SearchResult, sort: str) -> bool:
    """A broad request asked once; "the cheapest…" is decisive enough to answer as it is."""
    broad = is_too_broad(
        need=state.need, constraints=state.constraints, keyword_matches=result.keyword_matches
    )
    return broad and sort == "relevance" and state.need not in state.asked


# Words that open a detail of the current need rather than a new one ("compatible with…").
_DETAIL_CUES = frozenset(
    [
        "compatible",
        "with",
        "that",
        "which",
        "for",
        "in",
        "avec",
        "pour",
        "qui",
        "en",
        "sans",
        "without",
        "et",
        "and",
    ]
)


def _next_need(state: ConversationState, need: str, constraints: Constraints) -> tuple[str, bool]:
    """The need to search for, and whether it continues the current one (constraints carry)."""
    if not state.need:
        return need, False
    if constraints.categories:  # a category named: the same subject only if it is the same one
        same = bool(constraints.categories & state.constraints.categories)
        return (need, True) if same else (need, False)
    words = terms(need)
    if set(words) & set(terms(state.need)):
        return need, True  # the same thing, said again with more detail
    if len(words) <= 2 or normalise(need).split()[0] in _DETAIL_CUES:
        return f"{state.need} {need}", True  # "glass", "compatible with heat pumps"
    return need, False


async def _run_search(
    context: ToolContext, need: str, constraints: Constraints, sort: str
) -> SearchResult:
    data: dict[str, Any] = constraints.to_json()
    arguments = {
        "query": need, "max_price_minor": data["max_price_minor"],
        "min_price_minor": data["min_price_minor"], "brands": data["brands"],
        "categories": data["categories"], "options": data["options"], "in_stock": data["in_stock"],
        "deliver_by": data["deliver_by"], "member_deals": data["member_deals"], "sort": sort,
        "limit": context.settings.cards_per_answer,
    }  # fmt: skip
    result: SearchResult = await call_tool(context, "search", arguments)
    return result


async def _relaxed(context: ToolContext, reply: Reply, sort: str) -> None:
    """Nothing matches: say so, and show what matches without the price limits."""
    state, lang = context.state, context.language
    loose = Constraints(
        brands=state.constraints.brands, categories=state.constraints.categories,
        options=state.constraints.options,
    )  # fmt: skip
    result = await _run_search(context, state.need, loose, sort)
    if not result.cards:
        reply.add(say("nothing", lang))
        return
    dropped = "la limite de prix et de date" if lang == "fr" else "price and date limits"
    reply.add(say("nothing_relaxed", lang, dropped=dropped))
    _cards(context, reply, result.cards)


def _show(context: ToolContext, reply: Reply, cards: list[ProductCard], key: str) -> None:
    if not cards:
        reply.add(say("nothing", context.language))
        return
    reply.add(say(key, context.language))
    _cards(context, reply, cards)


def _cards(context: ToolContext, reply: Reply, cards: list[ProductCard]) -> None:
    reply.cards = cards
    context.state.shown = [card.product_id for card in cards]
    context.state.focus = cards[0].product_id if cards else None


def _clarify(context: ToolContext, reply: Reply, result: SearchResult) -> None:
    lang = context.language
    documents = [d for d in (context.live.index.get(i) for i in result.candidate_ids) if d]
    question = clarification(documents)
    if question is None:
        return
    if question.attribute is not None:
        label = question.attribute.replace("_", " ")
        choices = (" ou " if lang == "fr" else " or ").join(question.choices)
        reply.add(say("clarify_attribute", lang, attribute=label, choices=choices))
        reply.suggestions += question.choices
    currency = result.cards[0].currency if result.cards else "EUR"
    low, high = (
        price(v, currency, lang) for v in (question.price_low_minor, question.price_high_minor)
    )
    reply.add(say("clarify_budget", lang, low=low, high=high))
