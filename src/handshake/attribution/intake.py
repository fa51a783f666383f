"""Steps of accepting a batch: resolve products, settle duplicates, shape the outbox job."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.attribution.event_rules import (
    EventRuleBroken,
    ProductRef,
    Rejection,
    ValidEvent,
    channel_of_partner,
)
from handshake.attribution.models import AdChannel, AdEventKind
from handshake.attribution.repository import AttributionRepository, VariantKey
from handshake.offers.click_ids import new_click_id
from handshake.partners.kinds import PartnerKind


@dataclass(frozen=True)
class EventSource:
    """Who reports the batch: the partner and, for a linked shopper's token, shopper and link."""

    partner_id: str
    partner_kind: PartnerKind
    shopper_id: str | None = None
    grant_id: str | None = None


@dataclass(frozen=True)
class ResolvedEvent:
    """A valid event with its catalog variant, channel and (for clicks) click id."""

    event: ValidEvent
    variant: VariantKey
    channel: AdChannel
    click_id: str | None

    def job_entry(self) -> dict[str, Any]:
        """The event as stored in the outbox job's JSON payload."""
        e = self.event
        return {
            "event_id": e.event_id,
            "kind": e.kind.value,
            "channel": self.channel.value,
            "occurred_at": e.occurred_at.isoformat(),
            "placement_id": e.placement_id,
            "campaign_id": e.campaign_id,
            "creative_id": e.creative_id,
            "variant_id": self.variant.id,
            "product_id": self.variant.product_id,
            "offer_token": e.offer_token,
            "click_id": self.click_id,
            "metadata": e.metadata,
        }


async def lookup_variants(
    repo: AttributionRepository, refs: Iterable[ProductRef]
) -> list[VariantKey]:
    """Every variant any of ``refs`` names, in one query."""
    refs = list(refs)
    return await repo.variants_matching(
        ids={r.variant_id for r in refs if r.variant_id},
        skus={r.sku for r in refs if r.sku},
        gtins={r.gtin for r in refs if r.gtin},
    )


def resolve_product(ref: ProductRef, variants: Sequence[VariantKey]) -> VariantKey:
    """The one variant ``ref`` names; every identifier given must name the same one."""
    found: list[VariantKey | None] = []
    for name, value, attribute in (
        ("variant_id", ref.variant_id, "id"),
        ("sku", ref.sku, "sku"),
        ("gtin", ref.gtin, "gtin"),
    ):
        if value is None:
            continue
        match = next((v for v in variants if getattr(v, attribute) == value), None)
        if match is None:
            raise EventRuleBroken("unknown_product", f"No product has this {name}: {value!r}.")
        found.append(match)
    if len({v.id for v in found if v is not None}) > 1:
        raise EventRuleBroken(
            "product_mismatch", "sku, gtin and variant_id name different products."
        )
    first = found[0]
    assert first is not None
    return first


def resolve_events(
    events: Sequence[ValidEvent],
    variants: Sequence[VariantKey],
    *,
    source: EventSource,
    click_secret: bytes,
) -> tuple[list[ResolvedEvent], list[Rejection]]:
    """Events with their variants (and click ids), and those naming unknown products."""
    resolved, rejected = [], []
    default_channel = channel_of_partner(source.partner_kind)
    for event in events:
        try:
            variant = resolve_product(event.product, variants)
        except EventRuleBroken as broken:
            rejected.append(Rejection(event.index, event.event_id, broken.code, broken.reason))
            continue
        click_id = None
        if event.kind is AdEventKind.CLICK:
            click_id = new_click_id(
                secret=click_secret, partner_id=source.partner_id, event_id=event.event_id
            )
        resolved.append(ResolvedEvent(event, variant, event.channel or default_channel, click_id))
    return resolved, rejected


def first_occurrences(events: Sequence[ResolvedEvent]) -> list[ResolvedEvent]:
    """The first event of each event id in the batch (later ones are duplicates)."""
    seen: dict[str, ResolvedEvent] = {}
    for resolved in events:
        seen.setdefault(resolved.event.event_id, resolved)
    return list(seen.values())


def receipt_rows(
    firsts: Sequence[ResolvedEvent], *, partner_id: str, received_at: datetime
) -> list[dict[str, Any]]:
    """Receipt rows in event id order (concurrent batches then lock in the same order)."""
    rows = [
        {
            "partner_id": partner_id,
            "event_id": r.event.event_id,
            "kind": r.event.kind.value,
            "click_id": r.click_id,
            "received_at": received_at,
        }
        for r in firsts
    ]
    return sorted(rows, key=lambda row: str(row["event_id"]))


def job_payload(
    events: Sequence[ResolvedEvent], *, source: EventSource, received_at: datetime
) -> dict[str, Any]:
    """The outbox job that stores ``events`` as ad_events rows."""
    return {
        "partner_id": source.partner_id,
        "shopper_id": source.shopper_id,
        "grant_id": source.grant_id,
        "received_at": received_at.isoformat(),
        "events": [r.job_entry() for r in events],
    }
