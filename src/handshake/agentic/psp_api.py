"""The delegated-payment endpoint of the built-in sandbox provider (ACP ``delegate_payment``).

With a real provider the agent's platform calls the provider's own endpoint; with the sandbox,
this store plays the provider: it vaults a sandbox test card and returns a vault token usable
only within its allowance (amount, currency, expiry, one checkout session of this store, once).
A platform blocked by its own risk checks gets no token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response

from handshake.agentic.errors import RiskBlocked
from handshake.agentic.payment_schemas import DelegatePaymentIn
from handshake.agentic.protocol import PspRoute, check_api_version, psp_error_answer
from handshake.agentic.session_document import rfc3339
from handshake.checkout.keyed_calls import Answer, keyed_call
from handshake.idempotency.service import IdempotentRequest
from handshake.linking.deps import require_scopes
from handshake.linking.errors import AppTokenRequired
from handshake.linking.service import PartnerAccess
from handshake.payments import service as payments
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter

router = DomainRouter(tags=["agentic commerce"], route_class=PspRoute)
PlatformAccess = Annotated[PartnerAccess, Depends(require_scopes("checkout", shopper=False))]


def _card(body: DelegatePaymentIn) -> payments.DelegatedCard:
    card = body.payment_method
    return payments.DelegatedCard(
        number=card.number, exp_month=int(card.exp_month or 0), exp_year=int(card.exp_year or 0),
        cvc=card.cvc, display_brand=card.display_brand, display_last4=card.display_last4,
    )  # fmt: skip


def _allowance(body: DelegatePaymentIn) -> payments.Allowance:
    allowance = body.allowance
    return payments.Allowance(
        max_amount_minor=allowance.max_amount, currency=allowance.currency.upper(),
        checkout_session_id=allowance.checkout_session_id, merchant_id=allowance.merchant_id,
        expires_at=allowance.expires_at, reason=allowance.reason,
    )  # fmt: skip


@router.post("/agentic_commerce/delegate_payment", status_code=201)
async def delegate_payment(
    body: DelegatePaymentIn, request: Request, access: PlatformAccess,
    version: Annotated[str | None, Header(alias="API-Version")] = None,
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:  # fmt: skip
    """Vault the card; a token (``vt_…``) spendable once within the allowance."""
    check_api_version(version)
    if access.has_shopper:  # the platform's payment side acts for itself, not through a link
        raise AppTokenRequired("Delegate cards with your platform's client-credentials token.")
    if any(signal.action == "blocked" for signal in body.risk_signals):
        raise RiskBlocked("A risk signal blocked this card: no token is issued.")

    async def run(keyed: IdempotentRequest | None) -> Answer:
        del keyed  # the vault write is one transaction; the answer is kept right after it
        token = await payments.delegate_payment(
            uow=app_services(request).uow(), provider=payments.provider_named("sandbox"),
            card=_card(body), allowance=_allowance(body), metadata=body.metadata,
        )  # fmt: skip
        document: dict[str, Any] = {
            "id": token.id, "created": rfc3339(token.created_at), "metadata": token.metadata,
        }  # fmt: skip
        return Answer(201, document)

    return await keyed_call(
        request, scope=f"psp:{access.partner_id}:{request.url.path}", key=key, run=run,
        required=True, render_error=psp_error_answer, error_media="application/json",
    )  # fmt: skip
