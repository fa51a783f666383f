"""Dashboard pages of shoppable videos: the list with its add form, and a video's tag editor.

The editor's timeline is drawn by ``static/editor.js`` from a JSON block of the page (no inline
script). Dragging a bar saves through the operator JSON API (``PATCH /api/v1/admin/videos/{id}/
tags/{tag_id}``: the operator's session cookie plus the ``X-CSRF-Token`` header), and so does
drawing a hotspot. Every other change is a plain form posting here and redirecting back, so
reviewing, moving (by typing the times) and adding tags also work without JavaScript.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import AdminPost, PageOperator, PagePost
from handshake.kernel.errors import DomainError, InvalidInput
from handshake.partners import service as partners
from handshake.partners.kinds import PartnerKind
from handshake.video import service, suggesting, tagging
from handshake.video.deps import VideoSettingsDep, suggestion_matcher
from handshake.video.errors import InvalidTagTiming, InvalidVideo, TagVariantNotFound
from handshake.video.models import CallToAction, TagStatus, VideoStatus
from handshake.video.service import VideoDetail
from handshake.web.admin_pages import (
    FormWork,
    form_values,
    render_admin,
    see_other,
    submit_form,
)
from handshake.web.deps import ReadUow
from handshake.web.routing import DomainRouter

LIST = "/admin/videos"
router = DomainRouter(prefix=LIST, include_in_schema=False)
SECTION = "videos"
CALLS_TO_ACTION = [c.value for c in CallToAction]
STATUSES = [s.value for s in VideoStatus]
NEW_TAG_MS = 4000  # a tag added at the playhead lasts this long by default
MAX_SECONDS = Decimal(48 * 3600)  # beyond any video: keeps typed numbers small
TIME_NAMES = {"duration_ms": "the duration", "start_ms": "the start", "end_ms": "the end"}
NEW_VIDEO = {"language": "en", "status": VideoStatus.DRAFT.value, "owner_partner_id": ""}


def milliseconds(text: str, field: str, error: type[InvalidInput]) -> int:
    """Whole milliseconds of a number of seconds typed in a form (``12.5`` or ``12,5``)."""
    try:
        seconds = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        seconds = Decimal("NaN")
    if not seconds.is_finite() or not 0 <= seconds <= MAX_SECONDS:
        name = TIME_NAMES.get(field, field)
        raise error(f"Give {name} in seconds, such as 12.5.", extra={"field": field})
    return int((seconds * 1000).to_integral_value(ROUND_HALF_UP))


def seconds(ms: int) -> str:
    """Milliseconds as the seconds a form shows (``1500`` → ``1.5``)."""
    return str(Decimal(ms) / 1000)


def timecode(ms: int) -> str:
    """``m:ss.t`` (tenths), or ``m:ss.mmm`` when the time is not a whole tenth."""
    minutes, rest = divmod(ms, 60_000)
    whole, millis = divmod(rest, 1000)
    fraction = str(millis // 100) if millis % 100 == 0 else f"{millis:03d}"
    return f"{minutes}:{whole:02d}.{fraction}"


async def _owner_names(uow: ReadUow) -> dict[str, str]:
    return {p.id: p.name for p in await partners.list_partners(uow=uow)}


async def _list_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "operator": operator,
        "videos": await service.list_videos(uow=uow),
        "owners": await _owner_names(uow),
        "video_partners": await partners.list_partners(uow=uow, kind=PartnerKind.VIDEO),
        "statuses": STATUSES,
        "timecode": timecode,
        "error_field": error.extra.get("field") if error else None,
    }
    shown = values if error else NEW_VIDEO
    return render_admin(
        request, "video/admin/videos.html", context, section=SECTION, error=error, values=shown
    )


@router.get("", response_class=HTMLResponse)
async def videos_page(request: Request, operator: PageOperator, uow: ReadUow) -> HTMLResponse:
    """Every video, newest first, with its tag counts; and the form adding one."""
    return await _list_page(request, operator, uow)


def _video_fields(values: dict[str, str]) -> dict[str, Any]:
    """A video's fields as typed in the add or details form."""
    status = values.get("status", VideoStatus.DRAFT.value)
    if status not in STATUSES:
        raise InvalidVideo("Choose draft or published.", extra={"field": "status"})
    return {
        "title": values.get("title", ""),
        "media_url": values.get("media_url", "").strip(),
        "duration_ms": milliseconds(values.get("duration_s", ""), "duration_ms", InvalidVideo),
        "language": values.get("language", "").strip(),
        "owner_partner_id": values.get("owner_partner_id") or None,
        "status": status,
    }


def _captions(values: dict[str, str]) -> str | None:
    """The captions typed or loaded from a file (browsers send CRLF); None when left empty."""
    text = values.get("captions_vtt", "").replace("\r\n", "\n")
    return text if text.strip() else None


@router.post("", response_class=HTMLResponse)
async def video_submit(post: PagePost, settings: VideoSettingsDep) -> Response:
    """Add a video; then its editor."""
    values = await form_values(post.request)
    try:
        fields = {**_video_fields(values), "captions_vtt": _captions(values)}
        video = await service.create_video(uow=post.uow, settings=settings, values=fields)
    except DomainError as error:
        return await _list_page(post.request, post.operator, post.reader, error, values)
    return see_other(f"{LIST}/{video.id}?done=video_added")


def _editor_data(detail: VideoDetail) -> dict[str, Any]:
    """What ``editor.js`` draws: the duration and every tag's range, status and hotspot."""
    video = detail.video
    tags = [
        {"id": v.tag.id, "start_ms": v.tag.start_ms, "end_ms": v.tag.end_ms,
         "status": v.tag.status, "sku": v.variant.sku if v.variant else v.tag.variant_id,
         "hotspots": [f.as_document() for f in v.key_frames]}
        for v in detail.tags
    ]  # fmt: skip
    return {"video_id": video.id, "duration_ms": video.duration_ms, "new_tag_ms": NEW_TAG_MS,
            "api": f"/api/v1/admin/videos/{video.id}", "tags": tags}  # fmt: skip


async def _editor_page(
    request: Request,
    operator: PageOperator,
    uow: ReadUow,
    video_id: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    detail = await service.get_video(uow=uow, video_id=video_id)
    owner = detail.video.owner_partner_id
    context = {
        "operator": operator,
        "video": detail.video,
        "tags": sorted(detail.tags, key=lambda v: (v.tag.start_ms, v.tag.end_ms, v.tag.id)),
        "cues": detail.cues,
        "owner_name": (await _owner_names(uow)).get(owner) if owner else None,
        "video_partners": await partners.list_partners(uow=uow, kind=PartnerKind.VIDEO),
        "editor": _editor_data(detail),
        "calls_to_action": CALLS_TO_ACTION,
        "statuses": STATUSES,
        "new_tag_end": seconds(min(NEW_TAG_MS, detail.video.duration_ms)),
        "seconds": seconds,
        "timecode": timecode,
        "error_field": error.extra.get("field") if error else None,
    }
    return render_admin(
        request, "video/admin/editor.html", context, section=SECTION, error=error, values=values
    )


@router.get("/{video_id}", response_class=HTMLResponse)
async def editor_page(
    video_id: str, request: Request, operator: PageOperator, uow: ReadUow
) -> HTMLResponse:
    """The tag editor: the video, a timeline of its tags, their reviews, captions, details."""
    return await _editor_page(request, operator, uow, video_id)


async def _change(post: AdminPost, video_id: str, work: FormWork, done: str = "saved") -> Response:
    """Run ``work`` on the posted form, then back to the editor; a refusal shows it again."""
    refused = partial(_editor_page, post.request, post.operator, post.reader, video_id)
    target = f"{LIST}/{video_id}?done={done}"
    return await submit_form(post.request, work, refused=refused, done=target)


@router.post("/{video_id}/details", response_class=HTMLResponse)
async def details_submit(video_id: str, post: PagePost, settings: VideoSettingsDep) -> Response:
    """Change the title, media, duration, language or owner."""

    async def work(values: dict[str, str]) -> None:
        changes = _video_fields(values)
        changes.pop("status")  # published or not is the status form's
        await service.update_video(
            uow=post.uow, settings=settings, video_id=video_id, changes=changes
        )

    return await _change(post, video_id, work)


@router.post("/{video_id}/status", response_class=HTMLResponse)
async def status_submit(video_id: str, post: PagePost, settings: VideoSettingsDep) -> Response:
    """Publish the video (partners may show it) or take it back to draft."""
    wanted = (await form_values(post.request)).get("status", "")

    async def work(values: dict[str, str]) -> None:
        if wanted not in STATUSES:
            raise InvalidVideo("Choose draft or published.", extra={"field": "status"})
        await service.update_video(
            uow=post.uow, settings=settings, video_id=video_id, changes={"status": wanted}
        )

    done = "published" if wanted == VideoStatus.PUBLISHED else "unpublished"
    return await _change(post, video_id, work, done)


@router.post("/{video_id}/captions", response_class=HTMLResponse)
async def captions_submit(video_id: str, post: PagePost, settings: VideoSettingsDep) -> Response:
    """Replace the captions (empty: none); new captions queue new suggestions."""

    async def work(values: dict[str, str]) -> None:
        changes = {"captions_vtt": _captions(values)}
        await service.update_video(
            uow=post.uow, settings=settings, video_id=video_id, changes=changes
        )

    return await _change(post, video_id, work)


@router.post("/{video_id}/suggestions", response_class=HTMLResponse)
async def suggestions_submit(video_id: str, post: PagePost, settings: VideoSettingsDep) -> Response:
    """Suggest tags from the captions now (unreviewed suggestions are replaced)."""

    async def work(values: dict[str, str]) -> None:
        await suggesting.suggest_tags(
            uow=post.uow, settings=settings, video_id=video_id,
            matcher=suggestion_matcher(post.uow),
        )  # fmt: skip

    return await _change(post, video_id, work, "suggested")


def _range(values: dict[str, str]) -> tuple[int, int]:
    start = milliseconds(values.get("start_s", ""), "start_ms", InvalidTagTiming)
    return start, milliseconds(values.get("end_s", ""), "end_ms", InvalidTagTiming)


@router.post("/{video_id}/tags", response_class=HTMLResponse)
async def tag_submit(video_id: str, post: PagePost, settings: VideoSettingsDep) -> Response:
    """Tag a product (by SKU) on a time range; a person's tag is approved at once."""

    async def work(values: dict[str, str]) -> None:
        start, end = _range(values)
        sku, action = values.get("sku", "").strip(), values.get("call_to_action", "view")
        if not sku:
            raise TagVariantNotFound("Give the SKU of the product.", extra={"field": "sku"})
        if action not in CALLS_TO_ACTION:
            raise InvalidInput("Choose a call to action.", extra={"field": "call_to_action"})
        fields = tagging.TagFields(
            start_ms=start, end_ms=end, sku=sku, call_to_action=CallToAction(action),
        )  # fmt: skip
        await tagging.add_tag(
            uow=post.uow, settings=settings, video_id=video_id, fields=fields,
            operator_id=post.operator.id,
        )  # fmt: skip

    return await _change(post, video_id, work, "tag_added")


@router.post("/{video_id}/tags/{tag_id}/range", response_class=HTMLResponse)
async def range_submit(video_id: str, tag_id: str, post: PagePost) -> Response:
    """Move a tag by typing its start and end (what dragging its bar does)."""

    async def work(values: dict[str, str]) -> None:
        start, end = _range(values)
        await tagging.update_tag(
            uow=post.uow, video_id=video_id, tag_id=tag_id,
            changes={"start_ms": start, "end_ms": end},
        )  # fmt: skip

    return await _change(post, video_id, work)


@router.post("/{video_id}/tags/{tag_id}/review", response_class=HTMLResponse)
async def review_submit(video_id: str, tag_id: str, post: PagePost) -> Response:
    """Approve or reject a tag (only approved tags are shown to viewers)."""
    decision = (await form_values(post.request)).get("status", "")

    async def work(values: dict[str, str]) -> None:
        if decision not in (TagStatus.APPROVED, TagStatus.REJECTED):
            raise InvalidInput("Approve or reject.", code="invalid_review")
        await tagging.review_tag(
            uow=post.uow, video_id=video_id, tag_id=tag_id, status=TagStatus(decision),
            operator_id=post.operator.id,
        )  # fmt: skip

    done = decision if decision in (TagStatus.APPROVED, TagStatus.REJECTED) else "saved"
    return await _change(post, video_id, work, done)


@router.post("/{video_id}/tags/{tag_id}/delete", response_class=HTMLResponse)
async def tag_delete_submit(video_id: str, tag_id: str, post: PagePost) -> Response:
    """Remove a tag."""

    async def work(values: dict[str, str]) -> None:
        await tagging.delete_tag(uow=post.uow, video_id=video_id, tag_id=tag_id)

    return await _change(post, video_id, work, "deleted")


@router.post("/{video_id}/delete", response_class=HTMLResponse)
async def video_delete_submit(video_id: str, post: PagePost) -> Response:
    """Remove the video and its tags; back to the list."""
    await service.delete_video(uow=post.uow, video_id=video_id)
    return see_other(f"{LIST}?done=deleted")
