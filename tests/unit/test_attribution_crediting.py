"""Pure parts of order attribution: which candidate touch each model credits, the policy."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from handshake.attribution.attributing import (
    AttributionPolicy,
    Credit,
    Touch,
    credits_of,
)
from handshake.attribution.models import AttributionModel, TouchMatch
from handshake.settings import AttributionSettings, DatabaseSettings, SecuritySettings, Settings

AT = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
CARRIED = Touch("ptn_a", "feed_ad", "spring", "c1", "click", AT, "ade_carried")
LAST_CLICK = Touch("ptn_b", "video", "summer", None, "click", AT, "ade_last")
PLACEMENT = Touch("ptn_c", "assistant", "autumn", None, "placement", AT)
LAST_VIEW = Touch("ptn_d", "feed_ad", None, None, "view", AT, "ade_view")
BOTH = (AttributionModel.LAST_CLICK, AttributionModel.VIEW_THROUGH)
VIEW_ONLY = (AttributionModel.VIEW_THROUGH,)
CANDIDATES = {
    "carried_click": CARRIED,
    "last_click": LAST_CLICK,
    "placement": PLACEMENT,
    "last_view": LAST_VIEW,
}

# Every combination of candidates (present: True) and what both models credit, spelled out.
PRECEDENCE = [
    # carried, last click, placement, last view -> touch, how found, models credited
    ((False, False, False, False), None, None, ()),
    ((False, False, False, True), LAST_VIEW, TouchMatch.SHOPPER, VIEW_ONLY),
    ((False, False, True, False), PLACEMENT, TouchMatch.PLACEMENT, BOTH),
    ((False, False, True, True), PLACEMENT, TouchMatch.PLACEMENT, BOTH),
    ((False, True, False, False), LAST_CLICK, TouchMatch.SHOPPER, BOTH),
    ((False, True, False, True), LAST_CLICK, TouchMatch.SHOPPER, BOTH),
    ((False, True, True, False), LAST_CLICK, TouchMatch.SHOPPER, BOTH),
    ((False, True, True, True), LAST_CLICK, TouchMatch.SHOPPER, BOTH),
    ((True, False, False, False), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, False, False, True), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, False, True, False), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, False, True, True), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, True, False, False), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, True, False, True), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, True, True, False), CARRIED, TouchMatch.CLICK_ID, BOTH),
    ((True, True, True, True), CARRIED, TouchMatch.CLICK_ID, BOTH),
]


def test_the_precedence_table_covers_every_combination_once() -> None:
    assert sorted(present for present, *_ in PRECEDENCE) == sorted(
        itertools.product((False, True), repeat=4)
    )


@pytest.mark.parametrize(("present", "touch", "matched_by", "models"), PRECEDENCE)
def test_credits_of_follows_the_precedence(
    present: tuple[bool, bool, bool, bool],
    touch: Touch | None,
    matched_by: TouchMatch | None,
    models: tuple[AttributionModel, ...],
) -> None:
    given = {name: t for (name, t), on in zip(CANDIDATES.items(), present, strict=True) if on}

    credits = credits_of(**given)

    assert credits == [Credit(model, touch, matched_by) for model in models]  # type: ignore[arg-type]


def test_credits_of_names_each_model_once_in_enum_order() -> None:
    credits = credits_of(last_click=LAST_CLICK, last_view=LAST_VIEW)

    assert [c.model for c in credits] == ["last_click", "view_through"]
    assert credits[0].touch is credits[1].touch is LAST_CLICK


def test_touch_of_a_view_keeps_missing_campaign_and_creative_as_none() -> None:
    # The rows written later turn None into '' (key columns can't be null); the touch keeps it.
    [credit] = credits_of(last_view=LAST_VIEW)
    assert (credit.touch.campaign_id, credit.touch.creative_id) == (None, None)


def _settings(**attribution: int) -> Settings:
    return Settings(
        environment="test",
        database=DatabaseSettings(url="sqlite+aiosqlite:///unused.db"),
        security=SecuritySettings(secret_key=SecretStr("k" * 40)),
        attribution=AttributionSettings(**attribution),  # type: ignore[arg-type]
    )


def test_policy_defaults_are_7_days_of_clicks_1_of_views_365_and_30() -> None:
    assert AttributionPolicy.from_settings(_settings()) == AttributionPolicy(
        click_window=timedelta(days=7),
        view_window=timedelta(days=1),
        new_customer_window=timedelta(days=365),
        cannibalisation_window=timedelta(days=30),
    )


def test_policy_follows_the_settings() -> None:
    policy = AttributionPolicy.from_settings(
        _settings(
            click_window_days=3, view_window_days=2, new_customer_days=90, cannibalisation_days=14
        )
    )

    assert policy == AttributionPolicy(
        timedelta(days=3), timedelta(days=2), timedelta(days=90), timedelta(days=14)
    )
