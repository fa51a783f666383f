"""Demo shoppable videos: the shipped sample videos, tagged as the manifest says, suggested from.

The media, posters and captions under ``static/videos`` are generated once by
``scripts/make_demo_videos.py`` from ``manifest.json`` and ship with the package (served at
``/static/demo/videos``). Loading creates each video unless one of its title exists, places
the manifest's tags (approved, with the key frames the boxes were drawn along), then runs the
caption suggestions so the product spoken but left untagged waits for the operator's review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handshake.demo.errors import DemoDataRejected
from handshake.demo.people import PARTNERS
from handshake.demo.report import DemoReport
from handshake.kernel.errors import DomainError
from handshake.partners import service as partners
from handshake.video import service as videos
from handshake.video.matching import matcher_for
from handshake.video.models import CallToAction, VideoStatus
from handshake.video.suggesting import suggest_tags
from handshake.video.tagging import TagFields, add_tag
from handshake.video.timeline import KeyFrame
from handshake.web.runtime import AppServices

VIDEOS_DIR = Path(__file__).parent / "static" / "videos"
MANIFEST = VIDEOS_DIR / "manifest.json"
MEDIA_PATH = "/static/demo/videos"
STORE_OWNER = "store"
PARTNER_OWNER = "video_partner"  # the demo partner of kind video


@dataclass(frozen=True)
class DemoScene:
    """A product on screen: a labelled box moving along its key frames; tagged unless
    ``call_to_action`` is None (then only spoken, for the suggestions to find)."""

    sku: str
    label: tuple[str, ...]
    colour: str
    backdrop: str
    start_ms: int
    end_ms: int
    key_frames: tuple[KeyFrame, ...]
    call_to_action: CallToAction | None


@dataclass(frozen=True)
class DemoCue:
    """A caption."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class DemoVideo:
    """A sample video of the manifest and the files made from it."""

    key: str
    title: str
    heading: tuple[str, ...]
    language: str
    duration_ms: int
    owner: str
    background: str
    file: str
    poster: str
    captions: str
    scenes: tuple[DemoScene, ...]
    cues: tuple[DemoCue, ...]

    @property
    def tagged(self) -> tuple[DemoScene, ...]:
        """The scenes loaded as approved tags."""
        return tuple(s for s in self.scenes if s.call_to_action is not None)

    @property
    def untagged(self) -> tuple[DemoScene, ...]:
        """The scenes left to the suggestions."""
        return tuple(s for s in self.scenes if s.call_to_action is None)


def _scene(raw: dict[str, Any]) -> DemoScene:
    frames = tuple(
        KeyFrame(int(f["at_ms"]), float(f["x"]), float(f["y"]), float(f["w"]), float(f["h"]))
        for f in raw["key_frames"]
    )
    tag = raw.get("tag")
    return DemoScene(
        sku=str(raw["sku"]), label=tuple(raw["label"]), colour=str(raw["colour"]),
        backdrop=str(raw["backdrop"]), start_ms=int(raw["start_ms"]), end_ms=int(raw["end_ms"]),
        key_frames=frames,
        call_to_action=None if tag is None else CallToAction(tag["call_to_action"]),
    )  # fmt: skip


def _video(raw: dict[str, Any]) -> DemoVideo:
    return DemoVideo(
        key=str(raw["key"]), title=str(raw["title"]), heading=tuple(raw["heading"]),
        language=str(raw["language"]), duration_ms=int(raw["duration_ms"]),
        owner=str(raw["owner"]), background=str(raw["background"]), file=str(raw["file"]),
        poster=str(raw["poster"]), captions=str(raw["captions"]),
        scenes=tuple(_scene(s) for s in raw["scenes"]),
        cues=tuple(DemoCue(int(c["start_ms"]), int(c["end_ms"]), str(c["text"]))
                   for c in raw["cues"]),
    )  # fmt: skip


def read_manifest(path: Path = MANIFEST) -> list[DemoVideo]:
    """The sample videos the manifest describes."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [_video(raw) for raw in document["videos"]]


async def _video_partner_id(services: AppServices) -> str | None:
    """The demo video partner's id (None when it is not registered)."""
    name = next(p.name for p in PARTNERS if p.kind == "video")
    listed = await partners.list_partners(uow=services.read_uow())
    return next((p.id for p in listed if p.name == name), None)


async def _create(services: AppServices, demo: DemoVideo, owner_id: str | None) -> str:
    """The video with its manifest tags; returns its id."""
    settings = services.settings.video
    video = await videos.create_video(uow=services.uow(), settings=settings, values={
        "title": demo.title, "media_url": f"{MEDIA_PATH}/{demo.file}",
        "poster_url": f"{MEDIA_PATH}/{demo.poster}", "duration_ms": demo.duration_ms,
        "language": demo.language, "owner_partner_id": owner_id,
        "status": VideoStatus.PUBLISHED.value,
        "captions_vtt": (VIDEOS_DIR / demo.captions).read_text(encoding="utf-8"),
    })  # fmt: skip
    try:
        for scene in demo.scenes:
            if scene.call_to_action is None:
                continue  # left to the suggestions
            fields = TagFields(
                start_ms=scene.start_ms, end_ms=scene.end_ms, sku=scene.sku,
                key_frames=scene.key_frames, call_to_action=scene.call_to_action,
            )  # fmt: skip
            await add_tag(uow=services.uow(), settings=settings, video_id=video.id, fields=fields)
    except DomainError as exc:
        # No half-tagged video: a later load would take it for done and skip it.
        await videos.delete_video(uow=services.uow(), video_id=video.id)
        raise DemoDataRejected(f"Demo video {demo.title!r}: {exc.detail}") from exc
    return video.id


async def ensure_videos(services: AppServices, report: DemoReport) -> None:
    """Create the sample videos that do not exist yet (by title), tagged and suggested from."""
    existing = {s.video.title for s in await videos.list_videos(uow=services.read_uow())}
    partner_id = await _video_partner_id(services)
    for demo in read_manifest():
        created = demo.title not in existing
        if created:
            owner = partner_id if demo.owner == PARTNER_OWNER else None
            video_id = await _create(services, demo, owner)
            uow = services.uow()
            # Now rather than by the queued job: the demo opens with its suggestion waiting.
            await suggest_tags(
                uow=uow, settings=services.settings.video, video_id=video_id,
                matcher=matcher_for(uow.bus),
            )  # fmt: skip
        report.note(f"video {demo.title}", created=created)
