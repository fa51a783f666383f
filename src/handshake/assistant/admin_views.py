"""Dashboard pages of the assistant: recent conversations, and every turn of one of them."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import HTMLResponse

from handshake.accounts.admin_deps import PageOperator
from handshake.assistant import service
from handshake.web.admin_pages import render_admin
from handshake.web.deps import ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/assistant", include_in_schema=False)
PAGE_SIZE = 50


@router.get("", response_class=HTMLResponse)
async def conversations_page(
    request: Request, operator: PageOperator, uow: ReadUow, before: datetime | None = None
) -> HTMLResponse:
    """Conversations by last activity: channel, language, turns, and who they were with."""
    found = await service.recent_conversations(uow=uow, limit=PAGE_SIZE, before=before)
    older = found[-1].updated_at.isoformat() if len(found) == PAGE_SIZE else None
    context = {"operator": operator, "conversations": found, "older": older}
    return render_admin(request, "assistant/admin/conversations.html", context, section="assistant")


@router.get("/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    conversation_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """Every turn: message, reply, policy, duration and each tool call with its outcome."""
    conversation, turns = await service.conversation_log(uow=uow, conversation_id=conversation_id)
    context = {"operator": operator, "conversation": conversation, "turns": turns}
    return render_admin(request, "assistant/admin/conversation.html", context, section="assistant")
