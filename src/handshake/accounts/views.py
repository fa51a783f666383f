"""Server-rendered pages: sign-up, sign-in, sign-out and the shopper's account page.

Form errors re-render the form with the message (linked to its field for screen readers) and a
4xx status; successful posts redirect (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts import service
from handshake.accounts.deps import OptionalShopper, SessionToken
from handshake.accounts.principals import ShopperPrincipal
from handshake.accounts.session_cookie import clear_session_cookie, set_session_cookie
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.errors import DomainError, InvalidInput, RateLimited
from handshake.web.deps import AppSettings, ReadUow, WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of
from handshake.web.throttling import rate_limit_check, throttled_message

router = DomainRouter(include_in_schema=False)
# Per client address, counted before any database work; the page explains the refusal.
SignInLimit = Annotated[RateLimited | None, Depends(rate_limit_check("sign_in"))]
LOCKED_MESSAGE = "Too many failed sign-in attempts. Try again after %(time)s UTC."
FORM_FIELDS = (
    "email",
    "name",
    "address_name",
    "locale",
    "line1",
    "line2",
    "city",
    "postal_code",
    "country",
)


def safe_next(target: str | None, default: str = "/account") -> str:
    """A local path to go to after signing in (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _error_status(error: DomainError) -> int:
    if isinstance(error, RateLimited):
        return 429
    return 422 if isinstance(error, InvalidInput) else 400


def _render_error(
    request: Request, template: str, error: DomainError, context: dict[str, Any]
) -> HTMLResponse:
    """The form again, with ``error`` attached to its field when it names one."""
    values = {k: v for k, v in context.pop("values", {}).items() if k in FORM_FIELDS}
    message, params = error.detail, {}
    if isinstance(error, RateLimited) and "retry_at" in error.extra:
        message, params = LOCKED_MESSAGE, {"time": str(error.extra["retry_at"])[11:16]}
    elif isinstance(error, RateLimited):
        message, params = throttled_message(error.retry_after_seconds)
    full = {
        "error": message,
        "error_params": params,
        "error_field": error.extra.get("field"),
        "values": values,
        **context,
    }
    response = templates_of(request).render(
        request, template, full, status_code=_error_status(error)
    )
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after_seconds)
    return response


def _redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, shopper: OptionalShopper) -> HTMLResponse:
    """The sign-up form."""
    return templates_of(request).render(
        request, "accounts/signup.html", {"current_shopper": shopper, "values": {}}
    )


@router.post("/signup", response_class=HTMLResponse)
async def signup_submit(
    request: Request, uow: WriteUow, settings: AppSettings, token: SessionToken
) -> Response:
    """Create the account, sign in, go to the account page."""
    values = await _form(request)
    try:
        signed = await service.sign_up_and_sign_in(
            uow=uow,
            email=values.get("email", ""),
            password=values.get("password", ""),
            name=values.get("name"),
            locale=values.get("locale", "en"),
            policy=service.AuthPolicy.from_settings(settings.security),
            user_agent=request.headers.get("user-agent"),
            replaces_token=token,
        )
    except DomainError as error:
        context = {"values": values, "current_shopper": None}
        return _render_error(request, "accounts/signup.html", error, context)
    response = _redirect("/account")
    set_session_cookie(response, settings, signed.session.token, signed.session.expires_at)
    return response


def _signin_context(operator: bool, next_path: str) -> dict[str, Any]:
    action = "/admin/signin" if operator else "/signin"
    return {"operator": operator, "action": action, "next": next_path, "current_shopper": None}


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(
    request: Request, shopper: OptionalShopper, next: str | None = None
) -> HTMLResponse:
    """The shopper sign-in form."""
    context = {**_signin_context(False, safe_next(next)), "current_shopper": shopper}
    return templates_of(request).render(request, "accounts/signin.html", context)


@router.get("/admin/signin", response_class=HTMLResponse)
async def operator_signin_page(request: Request, next: str | None = None) -> HTMLResponse:
    """The operator sign-in form (operators have separate accounts)."""
    context = _signin_context(True, safe_next(next, "/admin"))
    return templates_of(request).render(request, "accounts/signin.html", context)


async def _signin(
    request: Request,
    uow: WriteUow,
    s: AppSettings,
    token: str | None,
    op: bool,
    limited: RateLimited | None,
) -> Response:
    values = await _form(request)
    next_path = safe_next(values.get("next"), "/admin" if op else "/account")
    sign_in = service.sign_in_operator if op else service.sign_in
    context = {**_signin_context(op, next_path), "values": values}
    if limited is not None:
        return _render_error(request, "accounts/signin.html", limited, context)
    try:
        issued = await sign_in(
            uow=uow,
            email=values.get("email", ""),
            password=values.get("password", ""),
            policy=service.AuthPolicy.from_settings(s.security),
            user_agent=request.headers.get("user-agent"),
            replaces_token=token,
        )
    except DomainError as error:
        return _render_error(request, "accounts/signin.html", error, context)
    response = _redirect(next_path)
    set_session_cookie(response, s, issued.token, issued.expires_at)
    return response


@router.post("/signin", response_class=HTMLResponse)
async def signin_submit(
    limited: SignInLimit,
    request: Request,
    uow: WriteUow,
    settings: AppSettings,
    token: SessionToken,
) -> Response:
    """Check the password (throttled) and start a new session."""
    return await _signin(request, uow, settings, token, False, limited)


@router.post("/admin/signin", response_class=HTMLResponse)
async def operator_signin_submit(
    limited: SignInLimit,
    request: Request,
    uow: WriteUow,
    settings: AppSettings,
    token: SessionToken,
) -> Response:
    """Operator sign-in."""
    return await _signin(request, uow, settings, token, True, limited)


@router.post("/signout")
async def signout_submit(uow: WriteUow, settings: AppSettings, token: SessionToken) -> Response:
    """End the session and go home."""
    if token:
        await service.end_session(uow=uow, token=token)
    response = _redirect("/")
    clear_session_cookie(response, settings)
    return response


async def _account_context(uow: ReadUow, shopper: ShopperPrincipal) -> dict[str, Any]:
    membership = await service.get_membership(uow=uow, shopper_id=shopper.id)
    return {
        "current_shopper": shopper,
        "profile": await service.get_shopper(uow=uow, shopper_id=shopper.id),
        "addresses": await service.list_addresses(uow=uow, shopper_id=shopper.id),
        "payment_methods": await service.list_payment_methods(uow=uow, shopper_id=shopper.id),
        "membership": membership,
        "membership_active": bool(membership and membership.is_active(clock.now())),
        "values": {},
    }


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, shopper: OptionalShopper, uow: ReadUow) -> Response:
    """Profile, addresses, membership and saved payment methods."""
    if shopper is None:
        return _redirect("/signin?next=/account")
    context = await _account_context(uow, shopper)
    if request.query_params.get("saved"):
        context["flash"] = templates_of(request).catalogs.gettext(
            templates_of(request).locale_for(request), "Saved."
        )
    return templates_of(request).render(request, "accounts/account.html", context)


@dataclass(frozen=True)
class AccountPost:
    """A form posted on the account page: its request, shopper and units of work."""

    request: Request
    shopper: ShopperPrincipal | None
    uow: UnitOfWork
    reader: UnitOfWork


async def account_post(
    request: Request, shopper: OptionalShopper, uow: WriteUow, reader: ReadUow
) -> AccountPost:
    """The form posted on the account page (by a visitor who may have signed out)."""
    return AccountPost(request, shopper, uow, reader)


PostedAccountForm = Annotated[AccountPost, Depends(account_post)]
ShopperWork = Callable[[dict[str, str], str], Awaitable[object]]


async def _account_change(
    post: AccountPost, work: ShopperWork, aliases: dict[str, str] | None = None
) -> Response:
    """Run ``work`` with the posted fields and the shopper's id; back to the account page."""
    shopper = post.shopper
    if shopper is None:
        return _redirect("/signin?next=/account")
    values = await _form(post.request)
    try:
        await work(values, shopper.id)
    except DomainError as error:
        # Two forms share the page: point the message at the field of the form that was sent.
        field = error.extra.get("field")
        if aliases and field in aliases:
            error.extra["field"] = aliases[field]
        context = {**await _account_context(post.reader, shopper), "values": values}
        return _render_error(post.request, "accounts/account.html", error, context)
    return _redirect("/account?saved=1")


async def _owned_change(
    post: AccountPost, use_case: Callable[..., Awaitable[object]], **ids: str
) -> Response:
    """Run a use case on one of the shopper's own addresses or cards (no form field)."""

    async def work(_values: dict[str, str], shopper_id: str) -> None:
        await use_case(uow=post.uow, shopper_id=shopper_id, **ids)

    return await _account_change(post, work)


@router.post("/account/profile", response_class=HTMLResponse)
async def profile_submit(post: PostedAccountForm) -> Response:
    """Change name and language."""

    async def work(values: dict[str, str], shopper_id: str) -> None:
        locale = values.get("locale")
        await service.update_profile(
            uow=post.uow,
            shopper_id=shopper_id,
            name=values.get("name", ""),
            locale=locale if locale in service.LOCALES else None,
            clear_name=not values.get("name", "").strip(),
        )

    return await _account_change(post, work)


@router.post("/account/addresses", response_class=HTMLResponse)
async def address_submit(post: PostedAccountForm) -> Response:
    """Add an address."""

    async def work(values: dict[str, str], shopper_id: str) -> None:
        await service.add_address(
            uow=post.uow,
            shopper_id=shopper_id,
            name=values.get("address_name"),
            line1=values.get("line1", ""),
            line2=values.get("line2"),
            city=values.get("city", ""),
            postal_code=values.get("postal_code", ""),
            country=values.get("country", ""),
            is_default=values.get("is_default") == "on",
        )

    return await _account_change(post, work, {"name": "address_name"})


@router.post("/account/addresses/{address_id}/default", response_class=HTMLResponse)
async def address_default_submit(address_id: str, post: PostedAccountForm) -> Response:
    """Make an address the default."""
    return await _owned_change(post, service.set_default_address, address_id=address_id)


@router.post("/account/addresses/{address_id}/delete", response_class=HTMLResponse)
async def address_delete_submit(address_id: str, post: PostedAccountForm) -> Response:
    """Delete an address."""
    return await _owned_change(post, service.delete_address, address_id=address_id)


@router.post("/account/payment-methods/{method_id}/default", response_class=HTMLResponse)
async def payment_method_default_submit(method_id: str, post: PostedAccountForm) -> Response:
    """Make a saved card the default."""
    return await _owned_change(post, service.set_default_payment_method, method_id=method_id)


@router.post("/account/payment-methods/{method_id}/delete", response_class=HTMLResponse)
async def payment_method_delete_submit(method_id: str, post: PostedAccountForm) -> Response:
    """Forget a saved card (another one becomes the default)."""
    return await _owned_change(post, service.delete_payment_method, method_id=method_id)
