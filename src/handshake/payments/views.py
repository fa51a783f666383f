"""The shopper's page to save a sandbox test card (the sandbox's stand-in for a card form).

The account page lists the saved cards, makes one the default and removes them; adding one
needs the payments provider (here its sandbox), so the form lives with payments.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.kernel.errors import DomainError
from handshake.payments import service
from handshake.web.deps import WriteUow
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
NEW_CARD_PAGE = "payments/new_card.html"


def _page(request: Request, context: dict[str, Any], error: DomainError | None = None) -> Response:
    full = {
        "cards": service.sandbox_test_cards(),
        "error": error.detail if error else None,
        **context,
    }
    status = 200 if error is None else STATUS_BY_CATEGORY.get(error.category, 400)
    return templates_of(request).render(request, NEW_CARD_PAGE, full, status_code=status)


@router.get("/account/cards/new", response_class=HTMLResponse)
async def new_card_page(request: Request, shopper: OptionalShopper) -> Response:
    """Choose a sandbox test card by the outcome it gives."""
    if shopper is None:
        return RedirectResponse("/signin?next=/account/cards/new", status_code=303)
    return _page(request, {"current_shopper": shopper, "chosen": "visa", "make_default": False})


@router.post("/account/cards", response_class=HTMLResponse)
async def add_card(
    request: Request,
    shopper: OptionalShopper,
    uow: WriteUow,
    outcome: Annotated[str, Form(max_length=40)],
    make_default: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Tokenise the chosen test card and save it; back to the account page."""
    if shopper is None:
        return RedirectResponse("/signin?next=/account/cards/new", status_code=303)
    try:
        await service.save_test_card(
            uow=uow, shopper_id=shopper.id, outcome=outcome, make_default=bool(make_default)
        )
    except DomainError as exc:
        chosen = {"chosen": outcome, "make_default": bool(make_default)}
        return _page(request, {"current_shopper": shopper, **chosen}, exc)
    return RedirectResponse("/account?saved=1#payment-heading", status_code=303)
