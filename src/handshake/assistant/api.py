"""JSON and Server-Sent Events API of the shopping assistant (``/api/v1/assistant``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from handshake.accounts.deps import CurrentOperator
from handshake.assistant import service
from handshake.assistant.deps import ConversationCaller, Services
from handshake.assistant.schemas import (
    CardOut,
    ConversationIn,
    ConversationOut,
    MessageIn,
    SearchOut,
    TurnOut,
)
from handshake.assistant.service import TurnRequest
from handshake.kernel.errors import DomainError
from handshake.web.deps import ReadUow
from handshake.web.problems import STATUS_BY_CATEGORY, problem_document
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1", tags=["assistant"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Invalid partner token", **PROBLEM},
    403: {"description": "Not an assistant partner", **PROBLEM},
    404: {"description": "No such conversation for this caller and key", **PROBLEM},
    422: {"description": "Invalid request", **PROBLEM},
}
ConversationKey = Annotated[str, Header(alias="X-Conversation-Key", min_length=8, max_length=100)]
EVENT_STREAM = "text/event-stream"


@router.post(
    "/assistant/conversations", status_code=201, summary="Start a conversation",
    responses=RESPONSES,
)  # fmt: skip
async def start_conversation(
    body: ConversationIn, caller: ConversationCaller, services: Services
) -> ConversationOut:
    """Anonymous, a signed-in shopper, or an assistant partner for its linked shopper."""
    started = await service.start_conversation(
        uow=services.writer(), caller=caller, language=body.language
    )
    return ConversationOut(
        id=started.id, key=started.key, language=started.language, channel=started.channel,
        created_at=started.created_at,
    )  # fmt: skip


@router.post(
    "/assistant/conversations/{conversation_id}/messages",
    summary="Send a message (answer as JSON, or streamed with Server-Sent Events)",
    responses={**RESPONSES, 200: {"content": {"application/json": {}, EVENT_STREAM: {}}}},
    response_model=TurnOut,
)
async def send_message(
    conversation_id: str,
    body: MessageIn,
    request: Request,
    caller: ConversationCaller,
    services: Services,
    key: ConversationKey,
) -> Response:
    """One turn. ``Accept: text/event-stream`` streams it: text first, then cards and the rest."""
    turn = TurnRequest(conversation_id, key, body.text, body.confirmation_token)
    if EVENT_STREAM not in request.headers.get("accept", ""):
        outcome = await service.take_turn(services=services, caller=caller, request=turn)
        return JSONResponse(_turn_document(outcome))
    # Refusals (unknown conversation, wrong key) are plain HTTP errors, before the stream opens.
    await service.owned_conversation(services.reader(), caller, conversation_id, key)
    return StreamingResponse(
        _stream(services, caller, turn, request), media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )  # fmt: skip


def _turn_document(outcome: service.TurnOutcome) -> dict[str, Any]:
    return TurnOut.of(
        conversation_id=outcome.conversation_id, position=outcome.position,
        language=outcome.language, policy=outcome.policy, reply=outcome.reply,
    ).model_dump(mode="json")  # fmt: skip


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def _stream(
    services: service.AssistantServices, caller: Any, turn: TurnRequest, request: Request
) -> AsyncIterator[bytes]:
    """``turn.started``, ``message.delta`` per sentence, the results, then ``turn.completed``."""
    yield _event("turn.started", {"conversation_id": turn.conversation_id})
    # A shopper closing the stream must not cut a turn between its tools and its record.
    work = asyncio.ensure_future(service.take_turn(services=services, caller=caller, request=turn))
    try:
        outcome = await asyncio.shield(work)
    except DomainError as exc:
        # Headers are sent: the problem travels as an event, with the status it would have had.
        problem = problem_document(
            status=STATUS_BY_CATEGORY.get(exc.category, 400), code=exc.code, title=exc.title,
            detail=exc.detail, instance=request.url.path, extensions=exc.extra,
        )  # fmt: skip
        yield _event("error", problem)
        return
    document = _turn_document(outcome)
    for sentence in outcome.reply.text:
        yield _event("message.delta", {"text": sentence})
    for name, field in (("cards", "cards"), ("comparison", "comparison"), ("cart", "cart"),
                        ("checkout.proposed", "checkout"), ("order.placed", "order")):  # fmt: skip
        if document[field]:
            yield _event(name, document[field])
    yield _event("turn.completed", document)


@router.get(
    "/assistant/search", summary="Hybrid product search with live cards", responses=RESPONSES
)
async def search(
    caller: ConversationCaller,
    services: Services,
    q: Annotated[str, Query(max_length=300)] = "",
    max_price_minor: Annotated[int | None, Query(ge=0, le=10**9)] = None,
    brand: Annotated[list[str] | None, Query(max_length=10)] = None,
    category: Annotated[list[str] | None, Query(max_length=10)] = None,
    in_stock: bool = False,
    sort: Annotated[str, Query(pattern="^(relevance|price_asc|price_desc)$")] = "relevance",
    limit: Annotated[int, Query(ge=1, le=10)] = 10,
    lang: Annotated[str, Query(pattern="^(en|fr)$")] = "en",
) -> SearchOut:
    """The assistant's retrieval on its own: BM25 and embeddings fused, hard filters applied."""
    arguments = {
        "query": q, "max_price_minor": max_price_minor, "brands": brand or [],
        "categories": category or [], "in_stock": in_stock, "sort": sort, "limit": limit,
    }  # fmt: skip
    result = await service.search_products(
        services=services, caller=caller, language=lang, arguments=arguments
    )
    return SearchOut(cards=[CardOut.of(card) for card in result.cards], matched=result.matched)


@router.get("/admin/assistant/conversations", summary="Conversations, newest first (operator)")
async def list_conversations(
    operator: CurrentOperator, uow: ReadUow, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    """Who talked to the assistant, through which app, and how many turns."""
    del operator
    found = await service.recent_conversations(uow=uow, limit=limit)
    return [
        {"id": c.id, "channel": c.channel, "language": c.language, "turns": c.turns,
         "shopper_id": c.shopper_id, "partner_id": c.partner_id,
         "updated_at": c.updated_at.isoformat()}
        for c in found
    ]  # fmt: skip


@router.get("/admin/assistant/conversations/{conversation_id}", summary="A conversation's turns")
async def conversation_turns(
    conversation_id: str, operator: CurrentOperator, uow: ReadUow
) -> dict[str, Any]:
    """Every message, answer and tool call (confirmation tokens redacted)."""
    del operator
    conversation, turns = await service.conversation_log(uow=uow, conversation_id=conversation_id)
    return {
        "id": conversation.id, "channel": conversation.channel,
        "turns": [
            {"position": t.position, "message": t.message, "reply": t.reply,
             "tool_calls": t.tool_calls, "product_ids": t.product_ids, "policy": t.policy,
             "duration_ms": t.duration_ms, "at": t.created_at.isoformat()}
            for t in turns
        ],
    }  # fmt: skip
