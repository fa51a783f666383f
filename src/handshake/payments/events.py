"""Events of the payments domain (published after the commit)."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class PaymentChanged(Event):
    """A payment was authorised, captured, voided or refunded (``operation`` says which)."""

    payment_id: str
    reference: str
    operation: str
    amount_minor: int
    status: str
