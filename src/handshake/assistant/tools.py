"""Typed tools the dialogue (rules or a language model) calls; the only way to act or price.

Every call goes through ``call_tool``: the caller's grant is checked, the arguments validated
against the tool's schema (unknown fields refused), and the call logged for the turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from handshake.assistant import catalog_tools, purchase
from handshake.assistant.caller import TOOL_SCOPES, Caller
from handshake.assistant.cards import OfferSource
from handshake.assistant.errors import InvalidToolArguments, ToolNotGranted, UnknownTool
from handshake.assistant.live_index import LiveIndex
from handshake.assistant.state import ConversationState
from handshake.checkout.policy import CheckoutPolicy
from handshake.kernel.errors import DomainError
from handshake.settings import AssistantSettings


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchArgs(_Args):
    """Find products; every filter is optional."""

    query: str = Field(default="", max_length=300)
    max_price_minor: int | None = Field(default=None, ge=0, le=10**9)
    min_price_minor: int | None = Field(default=None, ge=0, le=10**9)
    brands: list[str] = Field(default_factory=list, max_length=10)
    categories: list[str] = Field(default_factory=list, max_length=10)
    options: dict[str, list[str]] = Field(default_factory=dict, max_length=5)
    in_stock: bool = False
    deliver_by: date | None = None
    member_deals: bool = False
    sort: Literal["relevance", "price_asc", "price_desc"] = "relevance"
    limit: int = Field(default=4, ge=1, le=10)


class ProductArgs(_Args):
    """One product by id."""

    product_id: str = Field(min_length=1, max_length=64)


class CompareArgs(_Args):
    """Two to four products side by side."""

    product_ids: list[str] = Field(min_length=2, max_length=4)


class AddToCartArgs(_Args):
    """Put a product (one of its variants) in the conversation's cart."""

    product_id: str = Field(min_length=1, max_length=64)
    sku: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000)


class StartCheckoutArgs(_Args):
    """Prepare the purchase of the conversation's cart; nothing is bought yet."""


class ConfirmPurchaseArgs(_Args):
    """Buy what start_checkout showed; needs the shopper's own yes with this token."""

    confirmation_token: str = Field(min_length=8, max_length=100)


@dataclass
class ToolCall:
    """A logged call: what was asked, and how it ended."""

    name: str
    arguments: dict[str, Any]
    ok: bool
    error_code: str | None = None


@dataclass
class ToolContext:
    """What tools see during one turn."""

    caller: Caller
    language: str
    state: ConversationState
    offers: OfferSource
    checkout_policy: CheckoutPolicy
    settings: AssistantSettings
    live: LiveIndex
    # The token the shopper sent with their explicit yes (from the request, never from text).
    shopper_confirmation: str | None = None
    calls: list[ToolCall] = field(default_factory=list)


ToolRun = Callable[[ToolContext, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Tool:
    """A tool's name, schema, description (for a language model) and implementation."""

    name: str
    arguments: type[_Args]
    description: str
    run: ToolRun


TOOLS: dict[str, Tool] = {
    tool.name: tool
    for tool in (
        Tool(
            "search",
            SearchArgs,
            "Search the catalog; returns product cards with live prices.",
            catalog_tools.search,
        ),
        Tool(
            "get_product",
            ProductArgs,
            "A product's catalog data and live offer.",
            catalog_tools.get_product,
        ),
        Tool(
            "compare",
            CompareArgs,
            "Compare 2-4 products: top, budget and upgrade picks.",
            catalog_tools.compare,
        ),
        Tool(
            "add_to_cart",
            AddToCartArgs,
            "Add a product to the conversation's cart.",
            purchase.add_to_cart,
        ),
        Tool(
            "start_checkout",
            StartCheckoutArgs,
            "Prepare buying the cart; shows the exact total and asks the shopper to confirm.",
            purchase.start_checkout,
        ),
        Tool(
            "confirm_purchase",
            ConfirmPurchaseArgs,
            "Complete a purchase the shopper explicitly confirmed.",
            purchase.confirm_purchase,
        ),
    )
}


async def call_tool(context: ToolContext, name: str, arguments: Mapping[str, Any]) -> Any:
    """Run tool ``name`` for the turn, or raise a domain error (the refusal is logged too)."""
    tool = TOOLS.get(name)
    logged = ToolCall(name=name, arguments=dict(arguments), ok=False)
    context.calls.append(logged)
    if tool is None:
        logged.error_code = UnknownTool.code
        raise UnknownTool(f"There is no tool named {name!r}.")
    if not context.caller.may(TOOL_SCOPES[name]):
        logged.error_code = ToolNotGranted.code
        raise ToolNotGranted(
            f"{name} needs the '{TOOL_SCOPES[name]}' permission for this shopper.",
            extra={"tool": name, "scope": TOOL_SCOPES[name]},
        )
    try:
        parsed = tool.arguments.model_validate(dict(arguments))
    except ValidationError as exc:
        logged.error_code = InvalidToolArguments.code
        raise InvalidToolArguments(
            f"Invalid arguments for {name}.", extra={"errors": exc.errors(include_url=False)}
        ) from None
    try:
        result = await tool.run(context, parsed)
    except DomainError as exc:
        logged.error_code = exc.code
        raise
    logged.ok = True
    return result


def tool_schemas() -> list[dict[str, Any]]:
    """The tools in the OpenAI function-calling format."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.arguments.model_json_schema(),
            },
        }
        for tool in TOOLS.values()
    ]
