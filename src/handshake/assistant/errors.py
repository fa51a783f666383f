"""Errors of the assistant domain."""

from __future__ import annotations

from handshake.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class ConversationNotFound(NotFound):
    """No such conversation for this caller and key."""

    code = "conversation_not_found"
    title = "Conversation not found"


class MessageTooLong(InvalidInput):
    """A message longer than the configured limit."""

    code = "message_too_long"
    title = "Message too long"


class EmptyMessage(InvalidInput):
    """A message with neither text nor a confirmation."""

    code = "empty_message"
    title = "Empty message"


class ToolNotGranted(PermissionDenied):
    """The tool needs a scope the shopper did not grant (or a signed-in shopper)."""

    code = "tool_not_granted"
    title = "Not allowed for this conversation"


class UnknownTool(InvalidInput):
    """A tool name the assistant does not have."""

    code = "unknown_tool"
    title = "Unknown tool"


class InvalidToolArguments(InvalidInput):
    """Tool arguments that do not match the tool's schema."""

    code = "invalid_tool_arguments"
    title = "Invalid tool arguments"


class ProductNotFound(NotFound):
    """A product id the index does not hold (or no longer sells)."""

    code = "assistant_product_not_found"
    title = "Product not found"


class NothingToBuy(InvalidInput):
    """Checkout asked for with an empty conversation cart."""

    code = "assistant_cart_empty"
    title = "Nothing in the cart"


class ConfirmationRequired(PermissionDenied):
    """A purchase without the shopper's explicit yes bound to the shown confirmation token."""

    code = "purchase_confirmation_required"
    title = "Purchase needs the shopper's confirmation"


class ConfirmationExpired(InvalidInput):
    """The confirmation token is unknown, used or past its time."""

    code = "purchase_confirmation_invalid"
    title = "Confirmation no longer valid"


class ProductUnavailable(Conflict):
    """The product (or a cart line) cannot be bought now: out of stock or no longer sold."""

    code = "assistant_product_unavailable"
    title = "Product unavailable"


class PartnerKindNotAllowed(PermissionDenied):
    """Only assistant partners (and the store's own site) hold conversations."""

    code = "partner_kind_not_allowed"
    title = "Not an assistant partner"
