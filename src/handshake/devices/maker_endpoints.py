"""Where each device maker receives directives: registered by an operator, with its secret."""

from __future__ import annotations

from handshake.db.uow import UnitOfWork
from handshake.devices.errors import NoDirectiveEndpoint
from handshake.devices.maker_client import MakerTarget
from handshake.devices.models import MakerEndpoint
from handshake.devices.repository import MakerEndpointRepository
from handshake.kernel.errors import InvalidInput
from handshake.kernel.ids import new_id
from handshake.partners import service as partners
from handshake.partners.credentials import new_webhook_secret
from handshake.partners.endpoint_urls import validate_webhook_url
from handshake.partners.kinds import PartnerKind


class NotADeviceMaker(InvalidInput):
    """Directive endpoints belong to partners of kind device_maker."""

    code = "not_a_device_maker"


async def set_directive_endpoint(*, uow: UnitOfWork, partner_id: str, url: str) -> MakerEndpoint:
    """Register (or move) the maker's directive URL; a new signing secret each time."""
    async with uow:
        partner = await partners.get_partner(uow=uow, partner_id=partner_id)
        if partner.kind != PartnerKind.DEVICE_MAKER:
            raise NotADeviceMaker("Only device makers receive directives.")
        checked = validate_webhook_url(url)
        repo = uow.repo(MakerEndpointRepository)
        row = await repo.of(partner_id)
        if row is None:
            row = MakerEndpoint(
                id=new_id("dme"), partner_id=partner_id, url=checked, signing_secret=""
            )
            repo.add(row)
        row.url, row.signing_secret = checked, new_webhook_secret()
        await uow.commit()
    return row


async def directive_target(uow: UnitOfWork, partner_id: str) -> MakerTarget:
    """The maker's directive URL and secret; :class:`NoDirectiveEndpoint` when unregistered."""
    async with uow:
        row = await uow.repo(MakerEndpointRepository).of(partner_id)
    if row is None:
        raise NoDirectiveEndpoint("This maker has not registered a directive endpoint.")
    return MakerTarget(row.url, row.signing_secret)
