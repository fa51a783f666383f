"""Every query of the video domain."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, false, func, or_, select

from handshake.catalog.models import Product, ProductStatus, Stock, Variant
from handshake.db.uow import Repository
from handshake.video.models import TagStatus, Video, VideoStatus, VideoTag


@dataclass(frozen=True)
class TaggedVariant:
    """The catalog facts a tag shows: its variant's SKU, product title, options and stock."""

    variant_id: str
    product_id: str
    sku: str
    title_en: str
    title_fr: str
    brand: str
    options: dict[str, Any]
    product_active: bool
    available: int

    def title(self, lang: str) -> str:
        """The product's title in ``lang`` (French for ``fr``/``fr-…``, else English)."""
        return self.title_fr if lang.startswith("fr") else self.title_en


class VideoRepository(Repository):
    """Videos, their tags, and the catalog lookups tags need."""

    async def video(self, video_id: str, *, for_update: bool = False) -> Video | None:
        """One video by id (locked until the transaction ends when ``for_update``)."""
        return await self.session.get(Video, video_id, with_for_update=for_update)

    async def videos(
        self, *, owners: Collection[str | None] | None = None, published_only: bool = False
    ) -> Sequence[Video]:
        """Videos, newest first; only those of ``owners`` (None in it: the operator's)."""
        query = select(Video).order_by(Video.created_at.desc(), Video.id)
        if owners is not None:
            partner_ids = [o for o in owners if o is not None]
            conditions = [Video.owner_partner_id.in_(partner_ids)] if partner_ids else []
            if None in owners:
                conditions.append(Video.owner_partner_id.is_(None))
            query = query.where(or_(*conditions) if conditions else false())
        if published_only:
            query = query.where(Video.status == VideoStatus.PUBLISHED)
        return (await self.session.scalars(query)).all()

    async def delete(self, entity: object) -> None:
        """Remove a video or a tag (a video's tags go with it)."""
        await self.session.delete(entity)

    async def tag_counts(self, video_ids: Collection[str]) -> dict[tuple[str, str], int]:
        """(video id, tag status) → number of tags."""
        if not video_ids:
            return {}
        rows = await self.session.execute(
            select(VideoTag.video_id, VideoTag.status, func.count())
            .where(VideoTag.video_id.in_(list(video_ids)))
            .group_by(VideoTag.video_id, VideoTag.status)
        )
        return {(video_id, status): int(count) for video_id, status, count in rows.all()}

    async def tags(
        self, video_id: str, *, statuses: Collection[str] | None = None
    ) -> Sequence[VideoTag]:
        """The video's tags in time order."""
        query = select(VideoTag).where(VideoTag.video_id == video_id)
        if statuses is not None:
            query = query.where(VideoTag.status.in_(list(statuses)))
        query = query.order_by(VideoTag.start_ms, VideoTag.end_ms, VideoTag.id)
        return (await self.session.scalars(query)).all()

    async def tag(self, video_id: str, tag_id: str) -> VideoTag | None:
        """One tag of one video."""
        tag = await self.session.get(VideoTag, tag_id)
        return tag if tag is not None and tag.video_id == video_id else None

    async def count_tags(self, video_id: str) -> int:
        """How many tags the video carries (any status)."""
        query = select(func.count()).select_from(VideoTag).where(VideoTag.video_id == video_id)
        return int(await self.session.scalar(query) or 0)

    async def last_tag_end(self, video_id: str) -> int:
        """Where the video's last tag ends (0 without tags)."""
        query = select(func.max(VideoTag.end_ms)).where(VideoTag.video_id == video_id)
        return int(await self.session.scalar(query) or 0)

    async def drop_pending_suggestions(self, video_id: str) -> int:
        """Remove suggestions nobody reviewed yet (a new run replaces them)."""
        return await self.execute_count(
            delete(VideoTag).where(
                VideoTag.video_id == video_id, VideoTag.status == TagStatus.SUGGESTED
            )
        )

    async def variant(
        self, *, variant_id: str | None = None, sku: str | None = None
    ) -> TaggedVariant | None:
        """The variant with this id or SKU (archived products' too: reviews show them)."""
        condition = Variant.id == variant_id if variant_id is not None else Variant.sku == sku
        found = await self.tagged_variants(condition=condition)
        return found[0] if found else None

    async def variants_by_id(self, variant_ids: Collection[str]) -> dict[str, TaggedVariant]:
        """Variants by id."""
        if not variant_ids:
            return {}
        found = await self.tagged_variants(condition=Variant.id.in_(list(variant_ids)))
        return {v.variant_id: v for v in found}

    async def variants_of_products(self, product_ids: Collection[str]) -> list[TaggedVariant]:
        """Every variant of these products."""
        if not product_ids:
            return []
        return await self.tagged_variants(condition=Variant.product_id.in_(list(product_ids)))

    async def tagged_variants(self, *, condition: Any) -> list[TaggedVariant]:
        """Variants matching ``condition`` with their product and units available."""
        available = (
            select(func.coalesce(func.sum(Stock.on_hand - Stock.reserved), 0))
            .where(Stock.variant_id == Variant.id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                Variant.id, Variant.product_id, Variant.sku, Product.title_en, Product.title_fr,
                Product.brand, Variant.options, Product.status, available,
            )
            .join(Product, Product.id == Variant.product_id)
            .where(condition)
            .order_by(Variant.sku)
        )  # fmt: skip
        return [
            TaggedVariant(
                variant_id=r[0], product_id=r[1], sku=r[2], title_en=r[3], title_fr=r[4],
                brand=r[5], options=dict(r[6] or {}),
                product_active=r[7] == ProductStatus.ACTIVE, available=int(r[8]),
            )
            for r in rows.all()
        ]  # fmt: skip
