"""HTML pages of account linking: the consent page and the shopper's consent center.

The consent page works without JavaScript, is CSRF-protected by the web shell, and may never
be framed (``frame-ancestors 'none'``), so no app can overlay it to trick a tap.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.accounts.principals import ShopperPrincipal
from handshake.kernel.errors import DomainError
from handshake.linking import service, wording
from handshake.linking.deps import Policy
from handshake.linking.oauth_http import to_oauth_request
from handshake.linking.schemas import LinkOut
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)

AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)
NO_FRAMING = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def _render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    response = templates_of(request).render(request, name, context, status_code=status_code)
    response.headers.update(NO_FRAMING)
    return response


def _language(request: Request) -> str:
    return templates_of(request).locale_for(request)


def _consent_context(
    request: Request, consent: service.ConsentNeeded, params: dict[str, str]
) -> dict[str, Any]:
    lang = _language(request)
    client = consent.client
    return {
        "client": client,
        "kind_label": wording.describe_kind(client.partner_kind, lang),
        "purpose": wording.describe_purpose(client.partner_kind, lang),
        "new_scopes": [
            {"name": s, "text": wording.describe_scope(s, lang), "optional": consent.optional(s)}
            for s in consent.new
        ],
        "granted_scopes": [wording.describe_scope(s, lang) for s in consent.granted],
        "never_shared": wording.never_shared(client.partner_kind, lang),
        "how_to_revoke": wording.HOW_TO_REVOKE.in_language(lang),
        "params": params,
    }


def _answer(
    request: Request,
    outcome: service.AuthorizationOutcome,
    shopper: ShopperPrincipal | None,
    params: dict[str, str],
) -> Response:
    if isinstance(outcome, service.Redirect):
        status = 303 if request.method == "POST" else 302
        return RedirectResponse(outcome.location, status_code=status, headers=NO_FRAMING)
    if isinstance(outcome, service.SignInNeeded):
        back = request.url.path + ("?" + request.url.query if request.url.query else "")
        return RedirectResponse("/signin?next=" + quote(back, safe=""), status_code=302)
    if isinstance(outcome, service.ErrorPage):
        context: dict[str, Any] = {"error": outcome.error, "description": outcome.description}
        context["current_shopper"] = shopper
        return _render(request, "linking/authorize_error.html", context, status_code=400)
    context = {**_consent_context(request, outcome, params), "current_shopper": shopper}
    return _render(request, "linking/consent.html", context)


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def authorize(
    request: Request, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """Authorization endpoint (RFC 6749 §3.1): ask the shopper, or answer the app at once."""
    params = {k: v for k, v in request.query_params.items() if k in AUTHORIZE_PARAMS}
    oauth_request = await to_oauth_request(request, policy, query=params)
    outcome = await service.begin_authorization(
        uow=uow, policy=policy, request=oauth_request, shopper_id=shopper.id if shopper else None
    )
    return _answer(request, outcome, shopper, params)


@router.post("/oauth/authorize", response_class=HTMLResponse)
async def answer_consent(
    request: Request, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """The shopper's answer on the consent page (allow with chosen scopes, or deny)."""
    form = await request.form()
    params = {k: v for k, v in form.items() if k in AUTHORIZE_PARAMS and isinstance(v, str)}
    oauth_request = await to_oauth_request(request, policy, query=params)
    if shopper is None:
        outcome: service.AuthorizationOutcome = service.ErrorPage(
            "access_denied", "Your session ended: sign in and start again from the app."
        )
    else:
        outcome = await service.decide_authorization(
            uow=uow,
            policy=policy,
            request=oauth_request,
            shopper_id=shopper.id,
            approve=form.get("decision") == "allow",
            chosen=[v for v in form.getlist("scope_choice") if isinstance(v, str)],
            language=_language(request),
        )
    return _answer(request, outcome, shopper, params)


def _signin_redirect(path: str) -> RedirectResponse:
    return RedirectResponse("/signin?next=" + quote(path, safe=""), status_code=303)


def _link_context(link: LinkOut, language: str) -> dict[str, Any]:
    return {
        "link": link,
        "kind_label": wording.describe_kind(link.partner.kind, language),
        "events": [
            {"at": e.at, "text": wording.describe_event(e.kind, language), "detail": e.detail}
            for e in link.activity
        ],
    }


@router.get("/account/links", response_class=HTMLResponse)
async def consent_center(request: Request, shopper: OptionalShopper, uow: ReadUow) -> Response:
    """Every linked app, what it may do, when it was last used, and Unlink."""
    if shopper is None:
        return _signin_redirect("/account/links")
    lang = _language(request)
    views = await service.list_links(uow=uow, shopper_id=shopper.id)
    links = [_link_context(LinkOut.of(view, lang), lang) for view in views]
    context = {"links": links, "current_shopper": shopper}
    return _render(request, "linking/links.html", context)


@router.get("/account/links/{link_id}", response_class=HTMLResponse)
async def link_page(
    link_id: str, request: Request, shopper: OptionalShopper, uow: ReadUow
) -> Response:
    """One linked app: scopes, purpose, history in plain language, receipts, Unlink."""
    if shopper is None:
        return _signin_redirect(f"/account/links/{link_id}")
    lang = _language(request)
    try:
        view = await service.get_link(uow=uow, shopper_id=shopper.id, grant_id=link_id)
    except DomainError as error:
        context: dict[str, Any] = {"error": error.code, "description": error.detail}
        context["current_shopper"] = shopper
        return _render(request, "linking/authorize_error.html", context, status_code=404)
    context = {**_link_context(LinkOut.of(view, lang), lang), "current_shopper": shopper}
    context["unlinked"] = request.query_params.get("done") == "unlinked"
    return _render(request, "linking/link.html", context)


@router.post("/account/links/{link_id}/unlink", response_class=HTMLResponse)
async def unlink_from_page(
    link_id: str, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """Unlink from the consent center, then show the link's page again."""
    if shopper is None:
        return _signin_redirect(f"/account/links/{link_id}")
    try:
        await service.unlink(uow=uow, policy=policy, shopper_id=shopper.id, grant_id=link_id)
    except DomainError:
        return RedirectResponse(f"/account/links/{link_id}", status_code=303)
    return RedirectResponse(f"/account/links/{link_id}?done=unlinked", status_code=303)
