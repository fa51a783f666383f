"""Tag suggestions from captions against the kitchen catalog, on SQLite and PostgreSQL.

Both matchers (plain catalog text, and the assistant's search) find the products the kitchen
captions name; a fake matcher drives the run's rules: stale captions, the tag limit, repeated
runs and archived products.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import pytest

from handshake.assistant.caption_matching import AssistantCaptionMatcher
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.catalog.models import ProductStatus
from handshake.db.uow import UnitOfWork
from handshake.video import service as videos
from handshake.video.repository import VideoRepository
from handshake.video.suggesting import SuggestionRun, suggest_tags
from handshake.video.tag_suggestions import NameMatch, ProductMatcher
from handshake.video.tagging import TagFields, add_tag
from handshake.video.text_matcher import CatalogTextMatcher
from tests.assistant_helpers import kitchen_shop
from tests.video_helpers import KITCHEN_CAPTIONS

Row = tuple[str, int, int, float | None]


def _text_matcher(container: Container) -> ProductMatcher:
    return CatalogTextMatcher()


def _assistant_matcher(container: Container) -> ProductMatcher:
    return AssistantCaptionMatcher(container.settings.assistant)


MATCHERS = pytest.mark.parametrize("make_matcher", [_text_matcher, _assistant_matcher])


async def _video(container: Container, captions: str | None, language: str = "en") -> str:
    video = await videos.create_video(
        uow=container.uow(), settings=container.settings.video,
        values={"title": "Kitchen morning", "media_url": "/static/demo/videos/kitchen.webm",
                "duration_ms": 30_000, "language": language, "captions_vtt": captions,
                "status": "published"},
    )  # fmt: skip
    return video.id


async def _suggest(
    container: Container, video_id: str, matcher: ProductMatcher, **limits: int
) -> SuggestionRun:
    settings = container.settings.video.model_copy(update=limits)
    return await suggest_tags(
        uow=container.uow(), settings=settings, video_id=video_id, matcher=matcher
    )


def _rows(run: SuggestionRun) -> list[Row]:
    return [
        (view.variant.sku if view.variant else "?", view.tag.start_ms, view.tag.end_ms,
         view.tag.confidence)
        for view in run.suggested
    ]  # fmt: skip


async def _stored(container: Container, video_id: str) -> list[tuple[str, int, int, str, str]]:
    """(SKU, start, end, source, status) of every tag the video carries."""
    async with container.read_uow() as uow:
        repo = uow.repo(VideoRepository)
        tags = await repo.tags(video_id)
        variants = await repo.variants_by_id({t.variant_id for t in tags})
    return [(variants[t.variant_id].sku, t.start_ms, t.end_ms, t.source, t.status) for t in tags]


async def _tag_ids(container: Container, video_id: str) -> set[str]:
    async with container.read_uow() as uow:
        return {t.id for t in await uow.repo(VideoRepository).tags(video_id)}


def _captions(*cues: tuple[str, str]) -> str:
    blocks = [f"{timing}\n{text}" for timing, text in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


# --- real matchers -------------------------------------------------------------------------


@MATCHERS
async def test_the_kitchen_captions_suggest_the_three_products_they_name(
    container: Container, make_matcher: Callable[[Container], ProductMatcher]
) -> None:
    ids = await kitchen_shop(container)
    video_id = await _video(container, KITCHEN_CAPTIONS)

    run = await _suggest(container, video_id, make_matcher(container))

    assert _rows(run) == [
        ("BRW-GLASS", 1000, 5000, 1.0), ("BRW-TOAST", 12_000, 16_000, 1.0),
        ("KTL-TRAVEL", 20_000, 24_000, 1.0),
    ]  # fmt: skip
    assert (run.skipped, run.stale) == (0, False)
    assert [v.tag.product_id for v in run.suggested] == [
        ids["brewell-glass"], ids["brewell-toaster"], ids["kettlo-travel"],
    ]  # fmt: skip
    first = run.suggested[0].tag
    assert (first.source, first.status, first.call_to_action, first.hotspots) == (
        "suggested", "suggested", "view", [],
    )  # fmt: skip
    assert first.evidence is not None
    assert first.evidence.endswith(": Morning! Water goes into the Brewell glass kettle first.")
    assert await _stored(container, video_id) == [
        ("BRW-GLASS", 1000, 5000, "suggested", "suggested"),
        ("BRW-TOAST", 12_000, 16_000, "suggested", "suggested"),
        ("KTL-TRAVEL", 20_000, 24_000, "suggested", "suggested"),
    ]


@MATCHERS
async def test_a_french_caption_finds_the_product_by_its_french_title(
    container: Container, make_matcher: Callable[[Container], ProductMatcher]
) -> None:
    await kitchen_shop(container)
    captions = _captions(("00:00:02.000 --> 00:00:07.500",
                          "J'adore la bouilloire en verre Brewell"))  # fmt: skip
    video_id = await _video(container, captions, language="fr")

    run = await _suggest(container, video_id, make_matcher(container))

    assert _rows(run) == [("BRW-GLASS", 2000, 7500, 1.0)]


@MATCHERS
async def test_a_colour_said_picks_its_variant_even_out_of_stock(
    container: Container, make_matcher: Callable[[Container], ProductMatcher]
) -> None:
    await kitchen_shop(container)
    timing = "00:00:01.000 --> 00:00:06.000"
    white = await _video(container, _captions((timing, "Pour from the white Kettlo Retro kettle.")))
    plain = await _video(container, _captions((timing, "Pour from the Kettlo Retro kettle.")))

    said = await _suggest(container, white, make_matcher(container))
    unsaid = await _suggest(container, plain, make_matcher(container))

    assert _rows(said) == [("KTL-RETRO-WHT", 1000, 6000, 1.0)]
    assert _rows(unsaid) == [("KTL-RETRO-BLK", 1000, 6000, 1.0)]


# --- a fake matcher ------------------------------------------------------------------------


class FakeMatcher:
    """Answers chosen candidates for passages holding a word; may act before answering."""

    def __init__(
        self, answers: dict[str, list[NameMatch]],
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> None:  # fmt: skip
        self.answers = answers
        self.before = before
        self.calls = 0

    async def match(
        self, uow: UnitOfWork, passages: Sequence[str], language: str
    ) -> list[list[NameMatch]]:
        """The chosen candidates of every passage (the pair passages' too)."""
        self.calls += 1
        if self.before is not None:
            await self.before()
        return [
            [m for word, found in self.answers.items() if word in passage for m in found]
            for passage in passages
        ]


FOUR_CUES = _captions(
    ("00:00:01.000 --> 00:00:02.000", "alpha"), ("00:00:10.000 --> 00:00:11.000", "bravo"),
    ("00:00:19.000 --> 00:00:20.000", "charlie"), ("00:00:28.000 --> 00:00:29.000", "delta"),
)  # fmt: skip


def _sure(product_id: str) -> list[NameMatch]:
    return [NameMatch(product_id, 1.0, ("brand", "name"))]


async def _four_products(container: Container) -> tuple[str, FakeMatcher]:
    ids = await kitchen_shop(container)
    matcher = FakeMatcher({
        "alpha": _sure(ids["brewell-steel"]), "bravo": _sure(ids["vaporo-compact"]),
        "charlie": _sure(ids["kettlo-mini"]), "delta": _sure(ids["brewell-smart"]),
    })  # fmt: skip
    return await _video(container, FOUR_CUES), matcher


ALL_FOUR = [
    ("BRW-STEEL", 1000, 5000, 1.0), ("VAP-COMPACT", 10_000, 14_000, 1.0),
    ("KTL-MINI", 19_000, 23_000, 1.0), ("BRW-SMART", 28_000, 30_000, 1.0),
]  # fmt: skip


async def test_a_run_whose_captions_changed_meanwhile_writes_nothing(
    container: Container,
) -> None:
    video_id, matcher = await _four_products(container)
    assert _rows(await _suggest(container, video_id, matcher)) == ALL_FOUR
    before, before_ids = await _stored(container, video_id), await _tag_ids(container, video_id)

    async def edit_captions() -> None:
        await videos.update_video(
            uow=container.uow(), settings=container.settings.video, video_id=video_id,
            changes={"captions_vtt": _captions(("00:00:01.000 --> 00:00:02.000", "alpha"))},
        )  # fmt: skip

    stale = await _suggest(container, video_id, FakeMatcher(matcher.answers, edit_captions))

    assert (stale.suggested, stale.skipped, stale.stale) == ([], 4, True)
    # The earlier suggestions stay until the run the edit queued replaces them.
    assert await _stored(container, video_id) == before
    assert await _tag_ids(container, video_id) == before_ids


async def test_a_run_suggests_no_more_than_the_video_may_carry(container: Container) -> None:
    video_id, matcher = await _four_products(container)
    settings = container.settings.video
    await add_tag(uow=container.uow(), settings=settings, video_id=video_id,
                  fields=TagFields(5000, 8000, sku="BRW-GLASS"))  # fmt: skip

    run = await _suggest(container, video_id, matcher, max_tags_per_video=3)

    # One approved tag leaves room for two suggestions: the earliest ones.
    assert _rows(run) == ALL_FOUR[:2]
    assert (run.skipped, run.stale) == (2, False)
    assert [row[:3] for row in await _stored(container, video_id)] == [
        ("BRW-STEEL", 1000, 5000), ("BRW-GLASS", 5000, 8000), ("VAP-COMPACT", 10_000, 14_000),
    ]  # fmt: skip


async def test_running_twice_replaces_the_pending_suggestions_with_the_same_ones(
    container: Container,
) -> None:
    video_id, matcher = await _four_products(container)

    first = await _suggest(container, video_id, matcher)
    second = await _suggest(container, video_id, matcher)

    assert _rows(first) == _rows(second) == ALL_FOUR
    assert (second.skipped, matcher.calls) == (0, 2)
    assert {v.tag.id for v in first.suggested}.isdisjoint(v.tag.id for v in second.suggested)
    stored = await _stored(container, video_id)
    assert [row[:3] for row in stored] == [row[:3] for row in ALL_FOUR]


async def test_an_archived_product_is_not_suggested(container: Container) -> None:
    video_id, matcher = await _four_products(container)
    product = await catalog.get_variant(uow=container.read_uow(), reference="VAP-COMPACT")
    await catalog.set_product_status(
        uow=container.uow(), product_id=product.product_id, status=ProductStatus.ARCHIVED
    )

    run = await _suggest(container, video_id, matcher)

    assert _rows(run) == [ALL_FOUR[0], *ALL_FOUR[2:]]
    assert run.skipped == 1
    assert "VAP-COMPACT" not in {row[0] for row in await _stored(container, video_id)}


async def test_captions_without_products_suggest_nothing(container: Container) -> None:
    await kitchen_shop(container)
    video_id = await _video(container, None)
    matcher = FakeMatcher({})

    run = await _suggest(container, video_id, matcher)

    assert (run.suggested, run.skipped, run.stale, matcher.calls) == ([], 0, False, 0)
    assert await _stored(container, video_id) == []
