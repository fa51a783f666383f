"""Ad event field rules (exact reason codes) and click ids (sign, verify, tamper, partner)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handshake.attribution.event_rules import (
    EventRuleBroken,
    EventWindow,
    ProductRef,
    Rejection,
    ValidEvent,
    channel_of_partner,
    check_event,
    parse_occurred_at,
)
from handshake.attribution.intake import resolve_product
from handshake.attribution.models import AdChannel, AdEventKind
from handshake.attribution.repository import VariantKey
from handshake.offers.click_ids import derive_click_secret, new_click_id, verify_click_id
from handshake.partners.kinds import PartnerKind

NOW = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
WINDOW = EventWindow(max_future=timedelta(minutes=5), max_age=timedelta(days=7))
SECRET = derive_click_secret("test-secret-key-0123456789abcdef0123456789")


def good(**fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "event_id": "ev-1",
        "type": "click",
        "occurred_at": "2029-03-01T09:59:00+01:00",
        "sku": "SKU-1",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def rejection_code(raw: Any) -> str:
    outcome = check_event(raw, index=3, now=NOW, window=WINDOW)
    assert isinstance(outcome, Rejection), outcome
    assert outcome.index == 3
    return outcome.code


def test_a_good_event_is_valid_with_utc_time_and_every_field() -> None:
    outcome = check_event(
        good(
            channel="video",
            placement_id="p1",
            campaign_id="c1",
            creative_id="cr1",
            gtin="4006-381333931",
            offer_token="eyJ.abc.def",
            metadata={"position": 2, "muted": True, "ratio": 0.5, "label": "x", "none": None},
        ),
        index=0,
        now=NOW,
        window=WINDOW,
    )

    assert isinstance(outcome, ValidEvent)
    assert outcome.kind is AdEventKind.CLICK
    assert outcome.occurred_at == datetime(2029, 3, 1, 8, 59, tzinfo=UTC)
    assert outcome.channel is AdChannel.VIDEO
    assert outcome.product == ProductRef(sku="SKU-1", gtin="4006381333931")
    assert outcome.metadata["position"] == 2


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not an object", "not_an_object"),
        (good(colour="red"), "unknown_field"),
        (good(event_id=None), "invalid_event_id"),
        (good(event_id=""), "invalid_event_id"),
        (good(event_id="x" * 101), "invalid_event_id"),
        (good(event_id=12), "invalid_event_id"),
        (good(event_id="a\x00b"), "invalid_event_id"),
        (good(type="purchase"), "invalid_type"),
        (good(type=None), "invalid_type"),
        (good(occurred_at=None), "invalid_occurred_at"),
        (good(occurred_at="2029-03-01T08:59:00"), "invalid_occurred_at"),
        (good(occurred_at="2029-02-30T08:59:00Z"), "invalid_occurred_at"),
        (good(occurred_at="yesterday"), "invalid_occurred_at"),
        (good(occurred_at=1772355540), "invalid_occurred_at"),
        (good(occurred_at="2029-03-01T09:05:01Z"), "occurred_in_future"),
        (good(occurred_at="2029-02-22T08:59:59Z"), "occurred_too_long_ago"),
        (good(channel="billboard"), "invalid_channel"),
        (good(placement_id=""), "invalid_ad_reference"),
        (good(campaign_id="c" * 101), "invalid_ad_reference"),
        (good(creative_id=7), "invalid_ad_reference"),
        (good(sku=None), "missing_product"),
        (good(sku="s" * 65), "invalid_product"),
        (good(sku=None, gtin="4006381333932"), "invalid_product"),
        (good(sku=None, variant_id=["var_1"]), "invalid_product"),
        (good(offer_token=""), "invalid_offer_token"),
        (good(offer_token="t" * 4097), "invalid_offer_token"),
        (good(offer_token="tök"), "invalid_offer_token"),
        (good(metadata=["a"]), "invalid_metadata"),
        (good(metadata={"nested": {"a": 1}}), "invalid_metadata"),
        (good(metadata={f"k{i}": i for i in range(21)}), "invalid_metadata"),
        (good(metadata={"k": "v" * 201}), "invalid_metadata"),
        (good(metadata={"k": float("nan")}), "invalid_metadata"),
        (good(metadata={"k": 2**60}), "invalid_metadata"),
        (good(metadata={"k": "a\x00"}), "invalid_metadata"),
        (good(metadata={"": 1}), "invalid_metadata"),
    ],
)
def test_each_broken_rule_has_its_code(raw: Any, code: str) -> None:
    assert rejection_code(raw) == code


def test_a_rejection_names_the_event_id_only_when_it_is_usable() -> None:
    named = check_event(good(type="nope"), index=0, now=NOW, window=WINDOW)
    unnamed = check_event(good(event_id="x" * 101), index=1, now=NOW, window=WINDOW)

    assert isinstance(named, Rejection)
    assert isinstance(unnamed, Rejection)
    assert (named.event_id, named.reason) == ("ev-1", named.reason)
    assert "impression" in named.reason
    assert unnamed.event_id is None


def test_occurred_at_accepts_z_lowercase_and_nanoseconds() -> None:
    assert parse_occurred_at("2029-03-01t08:00:00.123456789z") == datetime(
        2029, 3, 1, 8, 0, 0, 123456, tzinfo=UTC
    )
    assert parse_occurred_at("2029-03-01 10:00:00+02:00") == datetime(2029, 3, 1, 8, tzinfo=UTC)


def test_the_edges_of_the_window_are_accepted() -> None:
    latest = check_event(good(occurred_at="2029-03-01T09:05:00Z"), index=0, now=NOW, window=WINDOW)
    oldest = check_event(good(occurred_at="2029-02-22T09:00:00Z"), index=0, now=NOW, window=WINDOW)

    assert isinstance(latest, ValidEvent)
    assert isinstance(oldest, ValidEvent)


def test_channel_defaults_follow_the_partner_kind() -> None:
    assert [channel_of_partner(kind) for kind in PartnerKind] == [
        AdChannel.FEED_AD,
        AdChannel.VIDEO,
        AdChannel.ASSISTANT,
        AdChannel.DEVICE_SUGGESTION,
    ]


VARIANTS = [
    VariantKey(id="var_1", product_id="prd_1", sku="SKU-1", gtin="4006381333931"),
    VariantKey(id="var_2", product_id="prd_1", sku="SKU-2", gtin=None),
]


def test_products_resolve_by_any_identifier_that_agrees() -> None:
    assert resolve_product(ProductRef(sku="SKU-2"), VARIANTS).id == "var_2"
    assert resolve_product(ProductRef(gtin="4006381333931"), VARIANTS).id == "var_1"
    assert resolve_product(ProductRef(variant_id="var_1", sku="SKU-1"), VARIANTS).id == "var_1"


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        (ProductRef(sku="SKU-9"), "unknown_product"),
        (ProductRef(variant_id="var_9"), "unknown_product"),
        (ProductRef(sku="SKU-1", gtin="96385074"), "unknown_product"),
        (ProductRef(sku="SKU-2", gtin="4006381333931"), "product_mismatch"),
    ],
)
def test_unknown_or_disagreeing_products_are_refused(ref: ProductRef, code: str) -> None:
    with pytest.raises(EventRuleBroken) as broken:
        resolve_product(ref, VARIANTS)
    assert broken.value.code == code


def test_click_ids_are_deterministic_compact_and_verifiable() -> None:
    first = new_click_id(secret=SECRET, partner_id="prt_a", event_id="ev-1")
    again = new_click_id(secret=SECRET, partner_id="prt_a", event_id="ev-1")
    other_event = new_click_id(secret=SECRET, partner_id="prt_a", event_id="ev-2")

    assert first == again != other_event
    assert first.startswith("clk_")
    assert "." in first
    assert len(first) <= 64
    reference = verify_click_id(first, secret=SECRET, partner_id="prt_a")
    assert reference is not None
    assert (reference.click_id, reference.partner_id) == (first, "prt_a")
    assert first[4:].startswith(reference.key)


def test_a_click_id_of_another_partner_or_secret_does_not_verify() -> None:
    click_id = new_click_id(secret=SECRET, partner_id="prt_a", event_id="ev-1")

    assert verify_click_id(click_id, secret=SECRET, partner_id="prt_b") is None
    assert (
        verify_click_id(click_id, secret=derive_click_secret("other"), partner_id="prt_a") is None
    )
    assert new_click_id(secret=SECRET, partner_id="prt_b", event_id="ev-1") != click_id


def test_tampered_or_malformed_click_ids_do_not_verify() -> None:
    click_id = new_click_id(secret=SECRET, partner_id="prt_a", event_id="ev-1")
    key, mac = click_id[4:].split(".")
    flipped = "b" if key[0] == "a" else "a"
    candidates = [
        f"clk_{flipped}{key[1:]}.{mac}",
        f"clk_{key}.{mac[:-1]}",
        f"clk_{key}.{mac}x",
        f"clk_{key.upper()}.{mac.upper()}",
        f"xyz_{key}.{mac}",
        f"clk_{key}{mac}",
        "clk_.",
        "",
        click_id + "a" * 64,
    ]
    for candidate in candidates:
        assert verify_click_id(candidate, secret=SECRET, partner_id="prt_a") is None, candidate


def test_the_click_secret_is_derived_not_the_raw_secret() -> None:
    raw = "test-secret-key-0123456789abcdef0123456789"

    assert raw.encode() != SECRET
    assert len(SECRET) == 32
    assert derive_click_secret(raw.encode()) == SECRET
