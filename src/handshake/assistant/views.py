"""The store's assistant page (``/assistant``): a chat that searches, compares and buys.

The conversation's id and key live in an HttpOnly cookie scoped to ``/assistant``; a missing,
broken or foreign cookie starts a new conversation. With htmx a message answers a fragment that
is appended to the transcript (cards, comparison, cart, the purchase to confirm); without
JavaScript the form posts, then redirects to the page, whose transcript shows the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.accounts.principals import ShopperPrincipal
from handshake.assistant import admin_views, service
from handshake.assistant.caller import Caller, caller_of
from handshake.assistant.deps import Services
from handshake.assistant.errors import ConversationNotFound
from handshake.assistant.models import ConversationTurn
from handshake.assistant.schemas import TurnOut
from handshake.assistant.service import AssistantServices, TurnRequest
from handshake.catalog import service as catalog
from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
router.include_router(admin_views.router)  # the operator dashboard's conversation log
PAGE = "/assistant"
COOKIE = "hs_assistant"
COOKIE_MAX_AGE = 30 * 86400
# What the transcript shows for a turn that was the shopper's Confirm button.
CONFIRMED = "[confirmation]"
EXAMPLE_CATEGORIES = 2
TextField = Annotated[str, Form(max_length=10_000)]
TokenField = Annotated[str, Form(min_length=8, max_length=100)]


@dataclass(frozen=True)
class ChatCookie:
    """The conversation the page talks in, and whether the browser must be given its cookie."""

    id: str
    key: str
    language: str
    is_new: bool


def money(minor: int, currency: str) -> str:
    """``19.99 EUR``, as every page of the store shows amounts."""
    return Money(minor, currency).format_plain()


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _caller(shopper: ShopperPrincipal | None) -> Caller:
    return caller_of(shopper_id=shopper.id if shopper else None, access=None)


def _cookie_parts(request: Request) -> tuple[str, str] | None:
    conversation_id, dot, key = request.cookies.get(COOKIE, "").partition(".")
    return (conversation_id, key) if dot and conversation_id and key else None


async def _existing_chat(
    request: Request, services: AssistantServices, caller: Caller, *, follow_page: bool
) -> ChatCookie | None:
    """The cookie's conversation if it is this caller's (in the page's language if asked)."""
    language = templates_of(request).locale_for(request)
    parts = _cookie_parts(request)
    if parts is None:
        return None
    try:
        found = await service.owned_conversation(services.reader(), caller, *parts)
    except ConversationNotFound:
        return None  # another caller's, deleted or forged
    if follow_page and found.language != language:
        return None
    return ChatCookie(found.id, parts[1], found.language, is_new=False)


async def _chat(request: Request, services: AssistantServices, caller: Caller) -> ChatCookie:
    """The cookie's conversation if it is this caller's and in the page's language, else a new
    one (so the assistant answers in the language the shopper switched to)."""
    found = await _existing_chat(request, services, caller, follow_page=True)
    if found is not None:
        return found
    language = templates_of(request).locale_for(request)
    started = await service.start_conversation(
        uow=services.writer(), caller=caller, language=language
    )
    return ChatCookie(started.id, started.key, started.language, is_new=True)


def _secure(request: Request) -> bool:
    """Secure when the site says so (outside development) or the request came over HTTPS."""
    return app_services(request).settings.cookie_secure or request.url.scheme == "https"


def _keep_cookie(request: Request, response: Response, chat: ChatCookie) -> Response:
    if chat.is_new:
        response.set_cookie(
            COOKIE, f"{chat.id}.{chat.key}", max_age=COOKIE_MAX_AGE, path=PAGE, httponly=True,
            samesite="lax", secure=_secure(request),
        )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"  # the shopper's own conversation
    return response


async def _example_categories(services: AssistantServices, language: str) -> list[str]:
    """Names of the catalog's most specific categories, for example prompts."""
    found = await catalog.list_categories(uow=services.reader())
    parents = {category.parent_path for category in found}
    leaves = [category for category in found if category.path not in parents]
    names = [c.name_fr if language == "fr" else c.name_en for c in leaves]
    return names[:EXAMPLE_CATEGORIES]


def _transcript(turns: list[ConversationTurn]) -> list[dict[str, Any]]:
    return [
        {"message": turn.message, "confirmed": turn.message == CONFIRMED, "text": turn.reply}
        for turn in turns
    ]


@router.get(PAGE, response_class=HTMLResponse)
async def assistant_page(
    request: Request, shopper: OptionalShopper, services: Services
) -> Response:
    """The chat: earlier turns, the message form and a few example prompts.

    Looking stores nothing: a conversation starts with the first message.
    """
    chat = await _existing_chat(request, services, _caller(shopper), follow_page=True)
    turns: list[ConversationTurn] = []
    if chat is not None:
        _, turns = await service.conversation_log(uow=services.reader(), conversation_id=chat.id)
    language = templates_of(request).locale_for(request)
    context = {
        "current_shopper": shopper, "transcript": _transcript(turns),
        "categories": await _example_categories(services, language),
        "max_chars": services.settings.max_message_chars,
    }  # fmt: skip
    page = templates_of(request).render(request, "assistant/chat.html", context)
    page.headers["Cache-Control"] = "no-store"  # the shopper's own conversation
    return page


async def _answer(
    request: Request,
    shopper: ShopperPrincipal | None,
    services: AssistantServices,
    text: str,
    token: str | None,
) -> Response:
    """Take the turn; the fragment for htmx, a redirect to the page otherwise."""
    caller = _caller(shopper)
    chat = await _chat(request, services, caller)
    turn = TurnRequest(chat.id, chat.key, text, token)
    said = {"message": text, "confirmed": token is not None}
    try:
        outcome = await service.take_turn(services=services, caller=caller, request=turn)
    except DomainError as error:
        if not _is_htmx(request):
            raise  # the site's error page, with the status of the error
        context = {**said, "error": error.detail}
        fragment = templates_of(request).render(request, "assistant/_turn.html", context)
        return _keep_cookie(request, fragment, chat)
    if not _is_htmx(request):
        return _keep_cookie(request, RedirectResponse(PAGE, status_code=303), chat)
    shown = TurnOut.of(
        conversation_id=outcome.conversation_id, position=outcome.position,
        language=outcome.language, policy=outcome.policy, reply=outcome.reply,
    )  # fmt: skip
    context = {**said, "turn": shown, "money": money, "current_shopper": shopper}
    fragment = templates_of(request).render(request, "assistant/_turn.html", context)
    return _keep_cookie(request, fragment, chat)


@router.post(PAGE + "/messages", response_class=HTMLResponse)
async def send_message(
    request: Request, shopper: OptionalShopper, services: Services, text: TextField = ""
) -> Response:
    """One message to the assistant."""
    return await _answer(request, shopper, services, text, None)


@router.post(PAGE + "/confirm", response_class=HTMLResponse)
async def confirm_purchase(
    request: Request, shopper: OptionalShopper, services: Services, confirmation_token: TokenField
) -> Response:
    """The shopper's Confirm button: buys exactly the purchase it was shown with."""
    return await _answer(request, shopper, services, "", confirmation_token)


@router.post(PAGE + "/reset", response_class=HTMLResponse)
async def new_conversation(request: Request) -> Response:
    """Forget the conversation: the page starts a new one."""
    response = RedirectResponse(PAGE, status_code=303)
    response.delete_cookie(
        COOKIE, path=PAGE, httponly=True, samesite="lax", secure=_secure(request)
    )
    return response
