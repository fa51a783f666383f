"""Errors of checkout and orders, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import Conflict, InvalidInput, NotFound


class CheckoutSessionNotFound(NotFound):
    """No checkout session with this id for this caller."""

    code = "checkout_session_not_found"


class InvalidCheckoutRequest(InvalidInput):
    """A session request that breaks a rule (no items, too many, a duplicate, a bad quantity)."""

    code = "invalid_checkout_request"


class InvalidClickId(InvalidInput):
    """A click id this partner was not given."""

    code = "invalid_click_id"


class UnknownItems(InvalidInput):
    """Items the catalog does not sell (unknown or inactive SKUs)."""

    code = "unknown_items"


class CurrencyNotSupported(InvalidInput):
    """Items in another currency than the store sells in."""

    code = "currency_not_supported"


class UnknownDeliveryOption(InvalidInput):
    """A delivery option the store does not offer."""

    code = "unknown_delivery_option"


class UnknownAddress(InvalidInput):
    """An address id that is not one of the shopper's."""

    code = "unknown_address"


class UnknownPaymentMethod(InvalidInput):
    """A payment method id that is not one of the shopper's usable cards."""

    code = "unknown_payment_method"


class ReturnUrlNotRegistered(InvalidInput):
    """A return URL that is not one of the client's registered redirect URIs."""

    code = "return_url_not_registered"


class ConfirmationRequired(InvalidInput):
    """Completion without the shopper's explicit confirmation."""

    code = "shopper_confirmation_required"


class ConfirmationMismatch(Conflict):
    """The shopper confirmed another total than the session's: show the summary again."""

    code = "confirmation_mismatch"


class PriceChanged(Conflict):
    """A price changed since the shopper saw it: the session holds the new prices."""

    code = "price_changed"


class CheckoutNotReady(Conflict):
    """Something the purchase needs is missing (an address, a card, a deliverable address)."""

    code = "checkout_not_ready"


class CheckoutClosed(Conflict):
    """The session was completed or cancelled: nothing more can change."""

    code = "checkout_session_closed"


class CheckoutInProgress(Conflict):
    """Another completion of this session is running."""

    code = "checkout_in_progress"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class OrderNotFound(NotFound):
    """No order with this id for this caller."""

    code = "order_not_found"


class OrderStateConflict(Conflict):
    """The order is not in a state that allows this (ship twice, cancel after shipping…)."""

    code = "order_state_conflict"


class InvalidRefund(InvalidInput):
    """A refund amount that is not positive or more than what is left to refund."""

    code = "invalid_refund"


class CartLineNotFound(NotFound):
    """No line with this id in the shopper's cart."""

    code = "cart_line_not_found"


class InvalidCartQuantity(InvalidInput):
    """A cart quantity out of range (below one, or above the most one line may hold)."""

    code = "invalid_cart_quantity"


class CartFull(InvalidInput):
    """The cart already holds as many different items as one checkout can take."""

    code = "cart_full"


class CartEmpty(InvalidInput):
    """Checking out an empty cart."""

    code = "cart_empty"


class CartItemUnavailable(Conflict):
    """An item of the cart is no longer sold: remove it before checking out."""

    code = "cart_item_unavailable"
