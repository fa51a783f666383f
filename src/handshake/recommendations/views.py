"""The shopper's recommendations page: each suggestion, why, and the sharing it relied on."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.kernel.money import Money
from handshake.recommendations import service
from handshake.recommendations.deps import Rules
from handshake.web.deps import WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
PAGE = "/account/recommendations"


def money(value: Money) -> str:
    """``19.99 EUR``, with the currency's own number of decimals."""
    return value.format_plain()


@router.get(PAGE, response_class=HTMLResponse)
async def my_recommendations_page(
    request: Request, shopper: OptionalShopper, uow: WriteUow, rules: Rules
) -> Response:
    """Suggestions from device data shared for recommendations, with reasons and grants."""
    if shopper is None:
        return RedirectResponse(f"/signin?next={PAGE}", status_code=303)
    templates = templates_of(request)
    found = await service.suggest_for_shopper(
        uow=uow, shopper_id=shopper.id, language=templates.locale_for(request), rules=rules
    )
    context = {"suggestions": found, "money": money, "current_shopper": shopper}
    return templates.render(request, "recommendations/recommendations.html", context)
