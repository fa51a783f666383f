"""Shared pieces of the operator dashboard pages: the admin layout's context, forms, redirects.

Domain modules ``<domain>/admin_views.py`` render their pages through :func:`render_admin`, so
every page gets the side navigation, the money formatter and the same error presentation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money
from handshake.web.problems import STATUS_BY_CATEGORY
from handshake.web.templating import templates_of

# (key, path, label): the side navigation of every dashboard page, in order.
ADMIN_NAV = (
    ("overview", "/admin", "Overview"),
    ("catalog", "/admin/catalog", "Catalog"),
    ("orders", "/admin/orders", "Orders"),
    ("partners", "/admin/partners", "Partners"),
    ("devices", "/admin/device-makers", "Device makers"),
    ("report", "/admin/reports/channels", "Channel performance"),
    ("assistant", "/admin/assistant", "Assistant"),
    ("videos", "/admin/videos", "Videos"),
)
# Messages a redirect may ask the next page to show (``?done=<key>``).
DONE_MESSAGES = {
    "saved": "Saved.",
    "shipped": "Order shipped.",
    "cancelled": "Order cancelled.",
    "refunded": "Refund recorded.",
    "delivered": "Order marked delivered.",
    "replayed": "Replay queued.",
    "deleted": "Deleted.",
    "revoked": "Client revoked.",
    "suspended": "Partner suspended.",
    "reactivated": "Partner reactivated.",
    "video_added": "Video added.",
    "published": "Video published.",
    "unpublished": "Video back to draft.",
    "suggested": "Suggestions updated from the captions.",
    "tag_added": "Tag added.",
    "approved": "Tag approved.",
    "rejected": "Tag rejected.",
}
# A form's use case, given the posted fields.
FormWork = Callable[[dict[str, str]], Awaitable[Any]]
# The page again, showing why the form was refused and what was typed.
RefusedPage = Callable[[DomainError, dict[str, str]], Awaitable[Response]]


def money(minor: int, currency: str) -> str:
    """``19.99 EUR``, with the currency's own number of decimals."""
    return Money(minor, currency).format_plain()


def minor_of(amount: str, currency: str) -> int:
    """Minor units of a major-unit amount typed in a form (``"19.99"`` → 1999)."""
    return Money.parse(amount, currency).minor


def error_status(error: DomainError) -> int:
    """The HTTP status a form error page answers with (4xx)."""
    return STATUS_BY_CATEGORY.get(error.category, 400)


async def form_values(request: Request) -> dict[str, str]:
    """The posted form's text fields (a repeated field keeps its last value)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def form_lists(request: Request, name: str) -> list[str]:
    """Every value of a repeated form field (checkboxes), in order."""
    form = await request.form()
    return [value for value in form.getlist(name) if isinstance(value, str)]


def see_other(target: str) -> RedirectResponse:
    """Post/redirect/get."""
    return RedirectResponse(target, status_code=303)


async def submit_form(
    request: Request,
    work: FormWork,
    *,
    refused: RefusedPage,
    done: str,
) -> Response:
    """Run ``work`` on the posted form, then redirect to ``done``; a refusal shows ``refused``."""
    values = await form_values(request)
    try:
        await work(values)
    except DomainError as error:
        return await refused(error, values)
    return see_other(done)


def render_admin(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    section: str,
    status_code: int = 200,
    no_store: bool = False,
    error: DomainError | None = None,
    values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a dashboard page; ``error``: a refused form (4xx) typed as ``values``."""
    done = DONE_MESSAGES.get(request.query_params.get("done", ""))
    full = {
        "nav": ADMIN_NAV,
        "section": section,
        "money": money,
        "done": done,
        "error": error.detail if error else None,
        "error_form": (values or {}).get("form"),
        "values": values or {},
        **context,
    }
    if error is not None:
        status_code = error_status(error)
    response = templates_of(request).render(request, template, full, status_code=status_code)
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response
