"""Notifications drawn from device grants: streaming about to pause, paused, shares ending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handshake.devices.consent import DataType, DeviceGrant, SharingMode
from handshake.notifications.feed import newest_first, sharing_notifications
from tests.devices_helpers import share

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FAR = NOW + timedelta(days=300)


def streaming(confirmed: datetime, expires: datetime = FAR) -> DeviceGrant:
    """A grant streaming temperature, confirmed at ``confirmed``."""
    kind, mode = DataType.TEMPERATURE, SharingMode.STREAM_CHANGES
    return DeviceGrant((share(kind, mode, confirmed=confirmed, expires=expires),))


def test_streaming_pausing_within_a_week_is_announced_from_the_reminder_day() -> None:
    grant = streaming(NOW - timedelta(days=85))  # pauses at day 90: five days from now
    found = sharing_notifications("ptn_1", "ThermoCo", grant, None, NOW)
    assert [(n.kind, n.at, n.values["date"], n.link) for n in found] == [
        ("sharing.stream_ending", NOW - timedelta(days=2), "2026-06-06", "/account/devices/ptn_1")
    ]
    assert found[0].text % found[0].values == (
        "Streaming to ThermoCo pauses on 2026-06-06 unless you confirm it."
    )


def test_streaming_far_from_its_pause_says_nothing() -> None:
    assert sharing_notifications("ptn_1", "ThermoCo", streaming(NOW), None, NOW) == []


def test_paused_streaming_replaces_the_reminder() -> None:
    paused = NOW - timedelta(hours=3)
    grant = streaming(NOW - timedelta(days=95))
    found = sharing_notifications("ptn_1", "ThermoCo", grant, paused, NOW)
    assert [(n.kind, n.at) for n in found] == [("sharing.paused", paused)]


def test_a_share_ending_within_a_week_is_announced_once_per_end_date() -> None:
    end = NOW + timedelta(days=3)
    grant = DeviceGrant(
        (share(DataType.TEMPERATURE, expires=end), share(DataType.HUMIDITY, expires=end))
    )
    found = sharing_notifications("ptn_1", "ThermoCo", grant, None, NOW)
    assert [(n.kind, n.at, n.values["date"]) for n in found] == [
        ("sharing.ending", end - timedelta(days=7), "2026-06-04")
    ]


def test_a_revoked_grant_announces_nothing() -> None:
    grant = DeviceGrant((share(expires=NOW + timedelta(days=1)),), revoked=True)
    assert sharing_notifications("ptn_1", "ThermoCo", grant, None, NOW) == []


def test_unread_means_newer_than_the_last_look_and_order_is_newest_first() -> None:
    early = sharing_notifications("a", "A", streaming(NOW - timedelta(days=85)), None, NOW)
    late = sharing_notifications(
        "b", "B", DeviceGrant((share(expires=NOW + timedelta(days=6)),)), None, NOW
    )
    ordered = newest_first([*early, *late], seen_at=NOW - timedelta(days=1, hours=12))
    assert [(n.values["maker"], n.unread) for n in ordered] == [("B", True), ("A", False)]
    assert [n.unread for n in newest_first(early, seen_at=None)] == [True]
