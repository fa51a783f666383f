"""Use case: suggest tags from a video's captions (see ``tag_suggestions`` for the method).

Idempotent: a run replaces the suggestions nobody reviewed yet, never suggests a product
where a reviewed tag of it (approved or rejected) already covers that time, and gives up when
the captions changed while it was matching (the change queued a newer run).
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.db.uow import UnitOfWork
from handshake.kernel.ids import new_id
from handshake.settings import VideoSettings
from handshake.video.captions import parse_captions
from handshake.video.errors import VideoNotFound
from handshake.video.events import VideoTagsChanged
from handshake.video.models import CallToAction, TagSource, TagStatus, Video, VideoTag
from handshake.video.repository import TaggedVariant, VideoRepository
from handshake.video.tag_suggestions import (
    Mention,
    ProductMatcher,
    SuggestionRules,
    VariantChoice,
    mentions_of,
    merged,
    overlaps,
    passages_of,
    variant_for,
)
from handshake.video.tagging import TagView
from handshake.video.text_matcher import words_of

EVIDENCE_MAX_LENGTH = 500


@dataclass(frozen=True)
class SuggestionRun:
    """What a run did: the suggestions it made, and mentions left out (reviewed or full)."""

    suggested: list[TagView]
    skipped: int
    stale: bool = False


def rules_of(settings: VideoSettings) -> SuggestionRules:
    """The suggestion thresholds of ``settings``."""
    return SuggestionRules(
        min_confidence=settings.suggestion_min_confidence,
        per_cue=settings.suggestions_per_cue,
        merge_gap_ms=int(settings.suggestion_merge_gap_seconds * 1000),
        min_length_ms=int(settings.suggestion_min_seconds * 1000),
    )


def _choices(variants: list[TaggedVariant]) -> dict[str, list[VariantChoice]]:
    by_product: dict[str, list[VariantChoice]] = {}
    for v in variants:
        if not v.product_active:
            continue
        words = frozenset(w for value in v.options.values() for w in words_of(str(value)))
        by_product.setdefault(v.product_id, []).append(
            VariantChoice(v.variant_id, v.sku, words, v.available > 0)
        )
    return by_product


async def _read(uow: UnitOfWork, video_id: str) -> Video:
    async with uow:
        video = await uow.repo(VideoRepository).video(video_id)
    if video is None:
        raise VideoNotFound(f"No video {video_id}.")
    return video


async def suggest_tags(
    *, uow: UnitOfWork, settings: VideoSettings, video_id: str, matcher: ProductMatcher
) -> SuggestionRun:
    """Propose tags for the products the captions name, each with a confidence."""
    video = await _read(uow, video_id)
    captions = video.captions_vtt
    cues = parse_captions(captions) if captions else []
    passages = passages_of(cues)
    matches = (
        await matcher.match(uow, [p.text for p in passages], video.language) if passages else []
    )
    rules = rules_of(settings)
    mentions = merged(mentions_of(passages, matches, rules), rules, video.duration_ms)
    async with uow:
        repo = uow.repo(VideoRepository)
        locked = await repo.video(video_id, for_update=True)
        if locked is None:
            raise VideoNotFound(f"No video {video_id}.")
        if locked.captions_vtt != captions:
            return SuggestionRun([], len(mentions), stale=True)
        await repo.drop_pending_suggestions(video_id)
        reviewed = await repo.tags(video_id)
        room = settings.max_tags_per_video - len(reviewed)
        variants = await repo.variants_of_products({m.product_id for m in mentions})
        choices, by_id = _choices(variants), {v.variant_id: v for v in variants}
        made: list[TagView] = []
        for mention in mentions:
            if len(made) >= room or any(
                t.product_id == mention.product_id
                and overlaps(t.start_ms, t.end_ms, mention.start_ms, mention.end_ms)
                for t in reviewed
            ):
                continue
            tag = _suggestion(repo, video_id, mention, choices.get(mention.product_id, []))
            if tag is not None:
                made.append(TagView(tag, by_id.get(tag.variant_id)))
        await uow.flush()
        if made:
            uow.record(VideoTagsChanged(video_id))
        await uow.commit()
    return SuggestionRun(made, len(mentions) - len(made))


def _suggestion(
    repo: VideoRepository, video_id: str, mention: Mention, choices: list[VariantChoice]
) -> VideoTag | None:
    variant = variant_for(set(words_of(mention.text)), choices)
    if variant is None:  # the product was archived meanwhile
        return None
    evidence = f"{', '.join(mention.words)}: {mention.text}"[:EVIDENCE_MAX_LENGTH]
    tag = VideoTag(
        id=new_id("vtag"), video_id=video_id, variant_id=variant.variant_id,
        product_id=mention.product_id, start_ms=mention.start_ms, end_ms=mention.end_ms,
        hotspots=[], call_to_action=CallToAction.VIEW.value, source=TagSource.SUGGESTED.value,
        status=TagStatus.SUGGESTED.value, confidence=mention.confidence, evidence=evidence,
    )  # fmt: skip
    repo.add(tag)
    return tag
