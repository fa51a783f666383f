"""The shopper's notifications page and the unread badge of the site's header."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.notifications import service
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
PAGE = "/account/notifications"


@router.get(PAGE, response_class=HTMLResponse)
async def my_notifications_page(
    request: Request, shopper: OptionalShopper, uow: WriteUow
) -> Response:
    """Every notification, newest first; looking at them marks them read."""
    if shopper is None:
        return RedirectResponse(f"/signin?next={PAGE}", status_code=303)
    found = await service.list_notifications(uow=uow, shopper_id=shopper.id)
    await service.mark_notifications_seen(uow=uow, shopper_id=shopper.id)
    context = {"notifications": found, "current_shopper": shopper}
    return templates_of(request).render(request, "notifications/notifications.html", context)


@router.get(PAGE + "/badge", response_class=HTMLResponse)
async def unread_badge(request: Request, shopper: OptionalShopper, uow: ReadUow) -> Response:
    """The unread count as a badge (empty when none), swapped into the header by htmx."""
    unread = 0
    if shopper is not None:
        found = await service.list_notifications(uow=uow, shopper_id=shopper.id)
        unread = found.unread
    context = {"unread": unread}
    return templates_of(request).render(request, "notifications/badge.html", context)
