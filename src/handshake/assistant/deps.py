"""FastAPI dependencies of the assistant: who calls, and the services a turn needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from handshake.accounts.deps import OptionalShopper
from handshake.assistant.caller import Caller, caller_of
from handshake.assistant.dialogue import RulesPolicy
from handshake.assistant.errors import PartnerKindNotAllowed
from handshake.assistant.llm_client import chat_model_from_settings
from handshake.assistant.llm_policy import LanguageModelPolicy
from handshake.assistant.service import AssistantServices
from handshake.checkout.policy import CheckoutPolicy
from handshake.linking import service as linking
from handshake.linking.deps import Policy, partner_bearer
from handshake.partners.kinds import PartnerKind
from handshake.settings import Settings
from handshake.web.deps import app_services, built_once


async def conversation_caller(
    request: Request,
    shopper: OptionalShopper,
    policy: Policy,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(partner_bearer)],
) -> Caller:
    """An assistant partner's token (for its linked shopper), the store's shopper, or nobody."""
    if bearer is None:
        return caller_of(shopper_id=shopper.id if shopper else None, access=None)
    access = await linking.authenticate_access_token(
        uow=app_services(request).read_uow(), policy=policy, token=bearer.credentials
    )
    if access.partner_kind != PartnerKind.ASSISTANT:
        raise PartnerKindNotAllowed("Only assistant partners hold conversations with shoppers.")
    return caller_of(shopper_id=None, access=access)


def _model_policy(settings: Settings) -> LanguageModelPolicy | None:
    model = chat_model_from_settings(settings.assistant)
    if model is None:
        return None
    return LanguageModelPolicy(
        model, max_rounds=settings.assistant.llm_max_tool_rounds, fallback=RulesPolicy()
    )


async def assistant_services(request: Request) -> AssistantServices:
    """What turns need, built once per application."""
    services = app_services(request)

    def build(settings: Settings) -> AssistantServices:
        return AssistantServices(
            reader=services.read_uow, writer=services.uow,
            checkout_policy=CheckoutPolicy.from_settings(settings),
            settings=settings.assistant, model_policy=_model_policy(settings),
        )  # fmt: skip

    return built_once(request, "assistant_services", build)


ConversationCaller = Annotated[Caller, Depends(conversation_caller)]
Services = Annotated[AssistantServices, Depends(assistant_services)]
