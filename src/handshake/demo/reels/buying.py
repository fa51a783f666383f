"""Buying in Reels: the kit's checkout screens, started from a tag's product sheet with the
tap's click id, an "Add to cart" reported as such, and back to the video when done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from handshake.demo.partner_kit.checkout import CheckoutScreens

if TYPE_CHECKING:
    from handshake.demo.reels.app import Reels


class ReelsCheckout(CheckoutScreens):
    """The kit's checkout; the sheet's "Add to cart" also reports an add_to_cart event."""

    def __init__(self, reels: Reels) -> None:
        super().__init__(reels)
        self.reels = reels

    async def buy(self, request: Request) -> Response:
        """Report the add to cart (when that was the sheet's button), then start the checkout."""
        session, subject = self.reels.session(request)
        form = await self.reels.posted(request, session)  # read again by the kit: parsed once
        if form is not None and subject is not None and form.get("intent") == "add_to_cart":
            await self.reels.add_to_cart(session, subject, form)
        return await super().buy(request)
