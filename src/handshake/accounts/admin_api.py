"""Operator API of accounts: the operator's own API keys and shoppers' memberships."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from handshake.accounts import service
from handshake.accounts.deps import CurrentOperator
from handshake.accounts.schemas import (
    ApiKeyIn,
    ApiKeyIssuedOut,
    ApiKeyOut,
    MembershipIn,
    MembershipOut,
)
from handshake.kernel import clock
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/admin", tags=["accounts"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "No valid operator credentials",
        403: "Not an operator",
        404: "Not found",
        422: "Invalid input",
    }
    return {s: {"description": described[s], **PROBLEM} for s in (401, 403, *statuses)}


@router.post(
    "/operators/api-keys",
    summary="Issue an API key for me (shown once)",
    status_code=201,
    response_model=ApiKeyIssuedOut,
    responses=_responses(422),
)
async def issue_key(body: ApiKeyIn, operator: CurrentOperator, uow: WriteUow) -> ApiKeyIssuedOut:
    """The plaintext key is in this response only; store it now."""
    issued = await service.issue_operator_api_key(
        uow=uow, operator_id=operator.id, label=body.label
    )
    return ApiKeyIssuedOut(id=issued.id, label=issued.label, key=issued.key)


@router.get(
    "/operators/api-keys",
    summary="My API keys",
    response_model=list[ApiKeyOut],
    responses=_responses(),
)
async def list_keys(operator: CurrentOperator, uow: ReadUow) -> list[ApiKeyOut]:
    """Metadata of my keys, revoked ones included."""
    keys = await service.list_api_keys(uow=uow, operator_id=operator.id)
    return [ApiKeyOut.of(k) for k in keys]


@router.delete(
    "/operators/api-keys/{key_id}",
    summary="Revoke one of my API keys",
    status_code=204,
    response_class=Response,
    responses=_responses(404),
)
async def revoke_key(key_id: str, operator: CurrentOperator, uow: WriteUow) -> Response:
    """The key is refused from the next request on."""
    await service.revoke_api_key(uow=uow, operator_id=operator.id, key_id=key_id)
    return Response(status_code=204)


@router.post(
    "/shoppers/{shopper_id}/membership",
    summary="Grant or end a shopper's membership",
    response_model=MembershipOut | None,
    responses=_responses(404, 422),
)
async def change_membership(
    shopper_id: str, body: MembershipIn, operator: CurrentOperator, uow: WriteUow
) -> MembershipOut | None:
    """``grant`` (from ``starts_at``, default now, to ``ends_at``) or ``end`` it now."""
    if body.action == "end":
        membership = await service.end_membership(uow=uow, shopper_id=shopper_id)
    else:
        membership = await service.set_membership(
            uow=uow, shopper_id=shopper_id, starts_at=body.starts_at, ends_at=body.ends_at
        )
    return MembershipOut.of(membership, clock.now())
