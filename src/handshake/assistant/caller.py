"""Who talks to the assistant, and what the tools may do for them."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.linking.service import PartnerAccess

STORE_CHANNEL = "store"
# What each tool needs beyond reading the catalog. A partner's assistant gets these only through
# the shopper's grant; the store's own site acts for its signed-in shopper; nobody buys anonymously.
TOOL_SCOPES: dict[str, str | None] = {
    "search": None,
    "get_product": None,
    "compare": None,
    "add_to_cart": "checkout",
    "start_checkout": "checkout",
    "confirm_purchase": "checkout",
}


@dataclass(frozen=True)
class Caller:
    """A shopper on the store's site (or nobody signed in), or a partner app with its token."""

    shopper_id: str | None
    access: PartnerAccess | None = None

    @property
    def kind(self) -> str:
        """``partner``, ``store`` (signed-in shopper) or ``anonymous``."""
        if self.access is not None:
            return "partner"
        return "store" if self.shopper_id else "anonymous"

    @property
    def channel(self) -> str:
        """Where orders placed in this conversation come from."""
        return self.access.partner_name if self.access is not None else STORE_CHANNEL

    @property
    def partner_id(self) -> str | None:
        """The partner behind the conversation, if any."""
        return self.access.partner_id if self.access is not None else None

    def may(self, scope: str | None) -> bool:
        """Whether a tool needing ``scope`` may run for this caller."""
        if scope is None:
            return True
        if self.access is not None:
            return self.access.shopper_id is not None and scope in self.access.scopes
        return self.shopper_id is not None

    def same_as(self, shopper_id: str | None, partner_id: str | None) -> bool:
        """Whether this caller is the one a conversation was started by."""
        return self.shopper_id == shopper_id and self.partner_id == partner_id


def caller_of(*, shopper_id: str | None, access: PartnerAccess | None) -> Caller:
    """The caller of a request: a partner's token wins over a store session."""
    if access is not None:
        return Caller(shopper_id=access.shopper_id, access=access)
    return Caller(shopper_id=shopper_id)
