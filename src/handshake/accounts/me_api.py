"""The shopper's own data: profile, addresses, payment methods, export and erasure."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from handshake.accounts import service
from handshake.accounts.deps import CurrentShopper
from handshake.accounts.schemas import (
    AddressIn,
    AddressOut,
    AddressPatch,
    MembershipOut,
    PaymentMethodIn,
    PaymentMethodOut,
    ProfilePatch,
    ShopperOut,
)
from handshake.accounts.session_cookie import clear_session_cookie
from handshake.kernel import clock
from handshake.web.deps import AppSettings, ReadUow, WriteUow, app_services
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/me", tags=["accounts"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in", **PROBLEM},
    403: {"description": "CSRF check failed", **PROBLEM},
}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {404: "Not found", 409: "Conflict", 422: "Invalid input"}
    extra: dict[int | str, dict[str, Any]] = {
        s: {"description": described.get(s, "Error"), **PROBLEM} for s in statuses
    }
    return {**AUTH, **extra}


async def _profile(uow_read: ReadUow, shopper_id: str) -> ShopperOut:
    shopper = await service.get_shopper(uow=uow_read, shopper_id=shopper_id)
    membership = await service.get_membership(uow=uow_read, shopper_id=shopper_id)
    now = clock.now()
    out = MembershipOut.of(membership, now)
    return ShopperOut(
        id=shopper.id,
        email=shopper.email,
        name=shopper.name,
        locale=shopper.locale,
        is_member=bool(out and out.active),
        membership=out,
        created_at=shopper.created_at,
    )


@router.get("", summary="My profile", response_model=ShopperOut, responses=_responses())
async def get_me(shopper: CurrentShopper, uow: ReadUow) -> ShopperOut:
    """The signed-in shopper's profile and membership."""
    return await _profile(uow, shopper.id)


@router.patch("", summary="Change my profile", response_model=ShopperOut, responses=_responses(422))
async def patch_me(
    body: ProfilePatch, shopper: CurrentShopper, uow: WriteUow, reader: ReadUow
) -> ShopperOut:
    """Change name and/or language."""
    await service.update_profile(
        uow=uow,
        shopper_id=shopper.id,
        name=body.name,
        locale=body.locale,
        clear_name="name" in body.model_fields_set and body.name is None,
    )
    return await _profile(reader, shopper.id)


@router.get(
    "/export",
    summary="Export everything stored about me (GDPR)",
    response_model=dict[str, Any],
    responses=_responses(),
)
async def export_me(shopper: CurrentShopper, request: Request, uow: ReadUow) -> dict[str, Any]:
    """One JSON document with every domain's section about the shopper."""
    registry = app_services(request).personal_data
    return await service.export_personal_data(
        uow=uow, shopper_id=shopper.id, exporters=registry.exporters
    )


@router.delete(
    "",
    summary="Erase my account (GDPR)",
    status_code=204,
    response_class=Response,
    responses=_responses(),
)
async def erase_me(
    shopper: CurrentShopper, request: Request, uow: WriteUow, settings: AppSettings
) -> Response:
    """Anonymise the account, delete personal data and end every session."""
    registry = app_services(request).personal_data
    await service.erase_shopper(uow=uow, shopper_id=shopper.id, erasers=registry.erasers)
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response


@router.get(
    "/addresses", summary="My addresses", response_model=list[AddressOut], responses=_responses()
)
async def list_addresses(shopper: CurrentShopper, uow: ReadUow) -> list[AddressOut]:
    """Saved addresses, oldest first."""
    rows = await service.list_addresses(uow=uow, shopper_id=shopper.id)
    return [AddressOut.of(a) for a in rows]


@router.post(
    "/addresses",
    summary="Add an address",
    status_code=201,
    response_model=AddressOut,
    responses=_responses(422),
)
async def add_address(body: AddressIn, shopper: CurrentShopper, uow: WriteUow) -> AddressOut:
    """Save an address (the first one becomes the default)."""
    address = await service.add_address(uow=uow, shopper_id=shopper.id, **body.model_dump())
    return AddressOut.of(address)


@router.patch(
    "/addresses/{address_id}",
    summary="Change an address",
    response_model=AddressOut,
    responses=_responses(404, 422),
)
async def update_address(
    address_id: str, body: AddressPatch, shopper: CurrentShopper, uow: WriteUow
) -> AddressOut:
    """Change some fields of an address."""
    address = await service.update_address(
        uow=uow,
        shopper_id=shopper.id,
        address_id=address_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return AddressOut.of(address)


@router.post(
    "/addresses/{address_id}/default",
    summary="Make an address the default",
    response_model=AddressOut,
    responses=_responses(404),
)
async def default_address(address_id: str, shopper: CurrentShopper, uow: WriteUow) -> AddressOut:
    """The previous default stops being one."""
    address = await service.set_default_address(
        uow=uow, shopper_id=shopper.id, address_id=address_id
    )
    return AddressOut.of(address)


@router.delete(
    "/addresses/{address_id}",
    summary="Delete an address",
    status_code=204,
    response_class=Response,
    responses=_responses(404),
)
async def delete_address(address_id: str, shopper: CurrentShopper, uow: WriteUow) -> Response:
    """Delete; another address becomes the default when needed."""
    await service.delete_address(uow=uow, shopper_id=shopper.id, address_id=address_id)
    return Response(status_code=204)


@router.get(
    "/payment-methods",
    summary="My saved payment methods",
    response_model=list[PaymentMethodOut],
    responses=_responses(),
)
async def list_payment_methods(shopper: CurrentShopper, uow: ReadUow) -> list[PaymentMethodOut]:
    """Saved cards (brand, last4, expiry), oldest first."""
    rows = await service.list_payment_methods(uow=uow, shopper_id=shopper.id)
    return [PaymentMethodOut.of(m) for m in rows]


@router.post(
    "/payment-methods",
    summary="Save a tokenised card",
    status_code=201,
    response_model=PaymentMethodOut,
    responses=_responses(422),
)
async def add_payment_method(
    body: PaymentMethodIn, shopper: CurrentShopper, uow: WriteUow
) -> PaymentMethodOut:
    """Only the provider token and display facts; expired cards are refused."""
    method = await service.add_payment_method(uow=uow, shopper_id=shopper.id, **body.model_dump())
    return PaymentMethodOut.of(method)


@router.post(
    "/payment-methods/{method_id}/default",
    summary="Make a payment method the default",
    response_model=PaymentMethodOut,
    responses=_responses(404),
)
async def default_payment_method(
    method_id: str, shopper: CurrentShopper, uow: WriteUow
) -> PaymentMethodOut:
    """The previous default stops being one."""
    method = await service.set_default_payment_method(
        uow=uow, shopper_id=shopper.id, method_id=method_id
    )
    return PaymentMethodOut.of(method)


@router.delete(
    "/payment-methods/{method_id}",
    summary="Forget a payment method",
    status_code=204,
    response_class=Response,
    responses=_responses(404),
)
async def delete_payment_method(method_id: str, shopper: CurrentShopper, uow: WriteUow) -> Response:
    """Delete; another method becomes the default when needed."""
    await service.delete_payment_method(uow=uow, shopper_id=shopper.id, method_id=method_id)
    return Response(status_code=204)
