"""Dashboard pages of device makers: their directive endpoint and sharing statistics."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import PageOperator, PagePost
from handshake.devices import service, sharing_stats
from handshake.kernel.errors import DomainError
from handshake.partners import service as partners
from handshake.partners.kinds import PartnerKind
from handshake.web.admin_pages import form_values, render_admin
from handshake.web.deps import ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/admin/device-makers", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def makers_page(request: Request, operator: PageOperator, uow: ReadUow) -> HTMLResponse:
    """Every device maker with its directive endpoint and headline figures."""
    makers = await partners.list_partners(uow=uow, kind=PartnerKind.DEVICE_MAKER)
    rows = [
        (
            maker,
            await sharing_stats.directive_endpoint(uow=uow, partner_id=maker.id),
            await sharing_stats.sharing_stats(uow=uow, partner_id=maker.id),
        )
        for maker in makers
    ]
    context = {"operator": operator, "rows": rows}
    return render_admin(request, "devices/admin/makers.html", context, section="devices")


async def _maker_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    partner_id: str,
    *,
    error: DomainError | None = None,
    secret: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "operator": operator,
        "maker": await partners.get_partner(uow=uow, partner_id=partner_id),
        "endpoint": await sharing_stats.directive_endpoint(uow=uow, partner_id=partner_id),
        "stats": await sharing_stats.sharing_stats(uow=uow, partner_id=partner_id),
        "modes": sharing_stats.MODES,
        "data_types": sharing_stats.DATA_TYPES,
        "purposes": sharing_stats.PURPOSES,
        "secret": secret,
    }
    return render_admin(
        request, "devices/admin/maker.html", context, section="devices", error=error,
        values=values, status_code=201 if secret else 200, no_store=secret is not None,
    )  # fmt: skip


@router.get("/{partner_id}", response_class=HTMLResponse)
async def maker_page(
    partner_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """A maker's directive endpoint and what its shoppers share with the platform."""
    return await _maker_page(request, operator, uow, partner_id)


@router.post("/{partner_id}/directive-endpoint", response_class=HTMLResponse)
async def directive_endpoint_submit(partner_id: str, post: PagePost) -> Response:
    """Set (or move) the directive URL; the new signing secret is shown once."""
    page = (post.request, post.operator, post.reader, partner_id)
    values = await form_values(post.request)
    try:
        row = await service.set_directive_endpoint(
            uow=post.uow, partner_id=partner_id, url=values.get("url", "").strip()
        )
    except DomainError as error:
        return await _maker_page(*page, error=error, values=values)
    return await _maker_page(*page, secret=row.signing_secret)
