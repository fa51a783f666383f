"""Use cases of the assistant: start a conversation, take a turn, read the log, keep the index."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakValueDictionary

import structlog

from handshake.assistant import indexing
from handshake.assistant.caller import Caller
from handshake.assistant.cards import OfferSource
from handshake.assistant.catalog_tools import SearchResult
from handshake.assistant.dialogue import Reply, RulesPolicy
from handshake.assistant.errors import ConversationNotFound, EmptyMessage, MessageTooLong
from handshake.assistant.live_index import live_index_of, shared_embedder
from handshake.assistant.models import Conversation, ConversationTurn
from handshake.assistant.repository import AssistantRepository
from handshake.assistant.state import ConversationState
from handshake.assistant.tools import ToolCall, ToolContext, call_tool
from handshake.checkout.policy import CheckoutPolicy
from handshake.db.uow import UnitOfWork
from handshake.kernel.ids import new_id
from handshake.settings import AssistantSettings

log = structlog.get_logger(__name__)
# Arguments never written to the operator's log: a confirmation token is a one-time secret.
_REDACTED_ARGUMENTS = frozenset({"confirmation_token"})


@dataclass(frozen=True)
class AssistantServices:
    """What turns need: units of work, policies and settings, and an optional model policy."""

    reader: Callable[[], UnitOfWork]
    writer: Callable[[], UnitOfWork]
    checkout_policy: CheckoutPolicy
    settings: AssistantSettings
    model_policy: Any | None = None  # LanguageModelPolicy when an LLM is configured


@dataclass(frozen=True)
class StartedConversation:
    """A new conversation and the key every later call must present."""

    id: str
    key: str
    language: str
    channel: str
    created_at: datetime


@dataclass(frozen=True)
class TurnRequest:
    """A shopper's message, or their explicit confirmation of a shown purchase."""

    conversation_id: str
    key: str
    message: str
    confirmation_token: str | None = None


@dataclass(frozen=True)
class TurnOutcome:
    """The answer of a turn and where it is in the conversation."""

    conversation_id: str
    position: int
    language: str
    policy: str
    reply: Reply


def key_digest(key: str) -> str:
    """What is stored of a conversation key."""
    return hashlib.sha256(key.encode()).hexdigest()


async def start_conversation(
    *, uow: UnitOfWork, caller: Caller, language: str
) -> StartedConversation:
    """Open a conversation for ``caller`` in ``language`` (``en`` or ``fr``)."""
    key = secrets.token_urlsafe(24)
    access = caller.access
    conversation = Conversation(
        id=new_id("cnv"), shopper_id=caller.shopper_id, partner_id=caller.partner_id,
        client_id=access.client_id if access else None, channel=caller.channel,
        language=language, key_digest=key_digest(key), state={}, turns=0,
    )  # fmt: skip
    async with uow:
        uow.repo(AssistantRepository).add(conversation)
        await uow.commit()
    return StartedConversation(
        conversation.id, key, language, caller.channel, conversation.created_at
    )


def tool_context(
    services: AssistantServices, caller: Caller, language: str, state: ConversationState
) -> ToolContext:
    """The context tools run in for ``caller``."""
    return ToolContext(
        caller=caller, language=language, state=state,
        offers=OfferSource(services.reader, services.writer, services.checkout_policy.offers),
        checkout_policy=services.checkout_policy, settings=services.settings,
        live=live_index_of(services.reader(), services.settings.embedder),
    )  # fmt: skip


async def search_products(
    *, services: AssistantServices, caller: Caller, language: str, arguments: dict[str, Any]
) -> SearchResult:
    """The assistant's hybrid search on its own (no conversation), with live cards."""
    context = tool_context(services, caller, language, ConversationState())
    result: SearchResult = await call_tool(context, "search", arguments)
    return result


async def owned_conversation(
    uow: UnitOfWork, caller: Caller, conversation_id: str, key: str
) -> Conversation:
    """The caller's conversation if the key matches; "not found" for anyone else."""
    async with uow:
        found = await uow.repo(AssistantRepository).conversation(conversation_id)
    if (
        found is None
        or not hmac.compare_digest(found.key_digest, key_digest(key))
        or not caller.same_as(found.shopper_id, found.partner_id)
    ):
        raise ConversationNotFound("No such conversation for this caller and key.")
    return found


# One turn at a time per conversation in this process; a lock lives while a turn holds it.
_turn_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()


async def take_turn(
    *, services: AssistantServices, caller: Caller, request: TurnRequest
) -> TurnOutcome:
    """Answer one message; the turn, its tool calls and the new state are stored together."""
    text = request.message.strip()
    if not text and request.confirmation_token is None:
        raise EmptyMessage("Send a message, or a confirmation token.")
    limit = services.settings.max_message_chars
    if len(text) > limit:
        raise MessageTooLong(
            f"Messages are limited to {limit} characters.", extra={"max_chars": limit}
        )
    lock = _turn_locks.get(request.conversation_id)
    if lock is None:
        lock = _turn_locks[request.conversation_id] = asyncio.Lock()
    async with lock:
        return await _turn(services, caller, request, text)


async def _turn(
    services: AssistantServices, caller: Caller, request: TurnRequest, text: str
) -> TurnOutcome:
    started = time.perf_counter()
    conversation = await owned_conversation(
        services.reader(), caller, request.conversation_id, request.key
    )
    context = tool_context(
        services, caller, conversation.language, ConversationState.from_json(conversation.state)
    )
    context.shopper_confirmation = request.confirmation_token
    policy = (
        services.model_policy
        if services.model_policy and request.confirmation_token is None
        else RulesPolicy()
    )
    reply: Reply = await policy.respond(context, text)
    elapsed = int((time.perf_counter() - started) * 1000)
    position = await _record(
        services.writer(), conversation, context, text, reply, policy.name, elapsed
    )
    tools = [call.name for call in context.calls]
    log.info(
        "assistant_turn", conversation_id=conversation.id, position=position,
        policy=policy.name, tools=tools, duration_ms=elapsed,
    )  # fmt: skip
    return TurnOutcome(conversation.id, position, conversation.language, policy.name, reply)


def _logged(call: ToolCall) -> dict[str, Any]:
    arguments = {
        k: ("[redacted]" if k in _REDACTED_ARGUMENTS else v) for k, v in call.arguments.items()
    }
    return {"tool": call.name, "arguments": arguments, "ok": call.ok, "error": call.error_code}


async def _record(
    uow: UnitOfWork,
    conversation: Conversation,
    context: ToolContext,
    text: str,
    reply: Reply,
    policy: str,
    elapsed_ms: int,
) -> int:
    """Store the turn and the conversation's new state in one transaction."""
    shown = [card.product_id for card in reply.cards]
    async with uow:
        repo = uow.repo(AssistantRepository)
        current = await repo.conversation(conversation.id, for_update=True)
        if current is None:
            raise ConversationNotFound("The conversation was deleted.")
        current.turns += 1
        current.state = context.state.to_json()
        repo.add(ConversationTurn(
            id=new_id("trn"), conversation_id=current.id, position=current.turns,
            message=text if text else "[confirmation]", reply=" ".join(reply.text),
            tool_calls=[_logged(call) for call in context.calls], product_ids=shown,
            policy=policy, duration_ms=elapsed_ms,
        ))  # fmt: skip
        await uow.commit()
        return current.turns


async def warm_search_index(*, uow: UnitOfWork, settings: AssistantSettings) -> int:
    """Load the stored index into this process before the first shopper asks; how many
    products it holds (a large catalog takes seconds to load)."""
    live = live_index_of(uow, settings.embedder)
    await live.ensure_fresh(uow, max_age_seconds=0)
    return len(live.index)


async def refresh_search_index(
    *, uow: UnitOfWork, settings: AssistantSettings, product_ids: list[str] | None = None
) -> indexing.IndexRefresh:
    """Bring the persisted index in step with the catalog (all changed products, or these)."""
    return await indexing.refresh_index(
        uow=uow, embedder=shared_embedder(settings.embedder), embedder_name=settings.embedder,
        product_ids=product_ids,
    )  # fmt: skip


async def recent_conversations(
    *, uow: UnitOfWork, limit: int = 50, before: datetime | None = None
) -> list[Conversation]:
    """The operator's view: conversations by last activity."""
    async with uow:
        return list(
            await uow.repo(AssistantRepository).recent_conversations(limit=limit, before=before)
        )


async def conversation_log(
    *, uow: UnitOfWork, conversation_id: str
) -> tuple[Conversation, list[ConversationTurn]]:
    """One conversation with every turn and tool call, for the operator."""
    async with uow:
        repo = uow.repo(AssistantRepository)
        conversation = await repo.conversation(conversation_id)
        if conversation is None:
            raise ConversationNotFound("No such conversation.")
        return conversation, list(await repo.turns_of(conversation_id))


async def export_conversations(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """A shopper's conversations with the assistant, for their data export."""
    async with uow:
        repo = uow.repo(AssistantRepository)
        exported = []
        for conversation in await repo.conversations_of_shopper(shopper_id):
            turns = await repo.turns_of(conversation.id)
            exported.append({
                "id": conversation.id, "channel": conversation.channel,
                "created_at": conversation.created_at.isoformat(),
                "turns": [{"message": t.message, "reply": t.reply,
                           "at": t.created_at.isoformat()} for t in turns],
            })  # fmt: skip
        return exported


async def erase_conversations(*, uow: UnitOfWork, shopper_id: str) -> None:
    """Delete a shopper's conversations and their turns (erasure)."""
    async with uow:
        await uow.repo(AssistantRepository).delete_conversations_of(shopper_id)
        await uow.commit()
