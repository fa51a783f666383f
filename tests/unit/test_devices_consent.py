"""Device-sharing consent (pure): share rules, mode levels, grants, RFC 9396 details, amendments."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from handshake.devices.authorization_details import (
    ShareChange,
    amendment,
    from_details,
    to_details,
)
from handshake.devices.consent import (
    STREAM_CONFIRMATION_PERIOD,
    ConsentError,
    DataType,
    Purpose,
    SharingMode,
    new_grant,
)
from tests.devices_helpers import BOTH, LATER, NOW, SERVICE, every_field, share

WHOLE = "identifier is a device id and retention_days a whole number."
T, S, M = DataType.TEMPERATURE, DataType.SETPOINT, DataType.MODE
COMMAND, QUERY, STREAM = (
    SharingMode.REPORT_ON_COMMAND,
    SharingMode.QUERY_CURRENT,
    SharingMode.STREAM_CHANGES,
)


def detail(**changes: Any) -> dict[str, Any]:
    """A valid authorization detail, with some fields changed (None: field removed)."""
    base: dict[str, Any] = {
        "type": "handshake_device_sharing",
        "identifier": "thermostat-1",
        "datatypes": ["temperature"],
        "actions": ["query_current"],
        "purposes": ["service_operation"],
        "retention_days": 30,
        "expires_at": "2030-07-01T12:00:00Z",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


# --- Share.check -----------------------------------------------------------------------------


def test_a_valid_share_passes_the_check() -> None:
    """A share with an offered purpose, bounded retention and a future expiry is fine."""
    assert share(purposes=BOTH, retention=365).check(NOW) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"purposes": frozenset({Purpose.PRODUCT_DEVELOPMENT})},
            "Device data is never shared for product development.",
        ),
        (
            {"purposes": BOTH | {Purpose.PRODUCT_DEVELOPMENT}},
            "Device data is never shared for product development.",
        ),
        ({"purposes": frozenset()}, "Choose at least one purpose for temperature of thermostat-1."),
        ({"retention": -1}, "Keep data from 0 to 365 days."),
        ({"retention": 366}, "Keep data from 0 to 365 days."),
        ({"expires": NOW}, "A share must end in the future."),
        ({"expires": NOW - timedelta(seconds=1)}, "A share must end in the future."),
        ({"device": ""}, "A share names one device (1 to 256 characters)."),
        ({"device": "d" * 257}, "A share names one device (1 to 256 characters)."),
    ],
)
def test_check_refuses_a_share_that_breaks_a_rule(changes: dict[str, Any], message: str) -> None:
    """product_development, no purpose, retention outside 0–365, past expiry, bad device id."""
    with pytest.raises(ConsentError) as refused:
        share(**changes).check(NOW)
    assert str(refused.value) == message


def test_check_accepts_the_retention_and_device_id_bounds() -> None:
    """0 and 365 days, 1 and 256 characters are within bounds."""
    for candidate in (
        share(retention=0),
        share(device="d", retention=365),
        share(device="d" * 256),
    ):
        assert candidate.check(NOW) is None


# --- SharingMode levels and Share.allows -----------------------------------------------------


def test_modes_are_ordered_levels_with_their_labels() -> None:
    """report_on_command < query_current < stream_changes, named both ways."""
    assert COMMAND < QUERY < STREAM
    assert [m.label for m in SharingMode] == [
        "report_on_command",
        "query_current",
        "stream_changes",
    ]
    assert SharingMode.named("query_current") is QUERY
    with pytest.raises(ValueError, match=r"^unknown sharing mode 'poll'$"):
        SharingMode.named("poll")


@pytest.mark.parametrize(
    ("granted", "allowed"),
    [(COMMAND, [True, False, False]), (QUERY, [True, True, False]), (STREAM, [True, True, True])],
)
def test_a_share_allows_its_mode_and_every_lower_one(
    granted: SharingMode, allowed: list[bool]
) -> None:
    """Each mode allows what the ones below it allow, and nothing above."""
    confirmed = NOW if granted is STREAM else None
    given = share(mode=granted, confirmed=confirmed)

    assert [given.allows(m, NOW) for m in SharingMode] == allowed


def test_nothing_passes_at_or_after_expiry() -> None:
    """At expires_at the share stops, in every mode."""
    given = share(mode=STREAM, confirmed=NOW)

    assert [given.allows(m, LATER - timedelta(microseconds=1)) for m in SharingMode] == [True] * 3
    assert [given.allows(m, LATER) for m in SharingMode] == [False] * 3


def test_streaming_pauses_90_days_after_confirmation_but_queries_go_on() -> None:
    """At stream_confirmed_at + 90 days streaming pauses; lower modes still pass."""
    given = share(mode=STREAM, confirmed=NOW, expires=NOW + timedelta(days=200))
    pause = NOW + STREAM_CONFIRMATION_PERIOD

    assert given.streaming_until() == pause == NOW + timedelta(days=90)
    assert given.allows(STREAM, pause - timedelta(microseconds=1)) is True
    assert [given.allows(m, pause) for m in SharingMode] == [True, True, False]


def test_streaming_stops_at_expiry_when_it_comes_before_the_pause() -> None:
    """streaming_until is the earlier of expiry and confirmation + 90 days."""
    assert share(mode=STREAM, confirmed=NOW).streaming_until() == LATER


def test_an_unconfirmed_or_lower_share_never_streams() -> None:
    """Without stream_confirmed_at, or below stream_changes, streaming is off."""
    assert share(mode=STREAM).streaming_until() is None
    assert share(mode=STREAM).allows(STREAM, NOW) is False
    assert share(mode=QUERY, confirmed=NOW).streaming_until() is None


# --- new_grant -------------------------------------------------------------------------------


def test_new_grant_refuses_a_data_type_given_twice() -> None:
    """One share per device and data type, even with different modes."""
    with pytest.raises(ConsentError) as refused:
        new_grant([share(T, QUERY), share(T, COMMAND)], now=NOW)
    assert str(refused.value) == "Give each data type of a device once."


def test_new_grant_checks_every_share() -> None:
    """A single bad share refuses the whole grant."""
    bad = share(S, purposes=frozenset({Purpose.PRODUCT_DEVELOPMENT}))
    with pytest.raises(ConsentError) as refused:
        new_grant([share(T), bad], now=NOW)
    assert str(refused.value) == "Device data is never shared for product development."


def test_new_grant_sorts_and_stamps_stream_confirmation() -> None:
    """Shares sorted by device and type; streaming confirmed now; others cleared."""
    earlier = NOW - timedelta(days=3)
    grant = new_grant(
        [
            share(S, STREAM, device="b"),
            share(T, QUERY, device="b", confirmed=earlier),
            share(M, STREAM, device="a", confirmed=earlier),
        ],
        now=NOW,
    )

    assert [(s.device_id, s.data_type, s.stream_confirmed_at) for s in grant.shares] == [
        ("a", M, earlier),
        ("b", S, NOW),
        ("b", T, None),
    ]
    assert grant.revoked is False
    assert grant.devices() == frozenset({"a", "b"})
    assert grant.share("b", S) == grant.shares[1]
    assert grant.share("a", T) is None


def test_new_grant_refuses_a_stream_confirmation_in_the_future() -> None:
    """Nobody can pre-confirm streaming: a future confirmation would skip the 90-day pause."""
    ahead = "Streaming cannot be confirmed ahead of time."
    future = share(T, STREAM, expires=NOW + timedelta(days=365), confirmed=NOW + timedelta(days=1))
    with pytest.raises(ConsentError) as refused:
        new_grant([future], now=NOW)
    assert str(refused.value) == ahead
    pre_confirmed = detail(
        actions=["stream_changes"],
        expires_at="2031-06-01T12:00:00Z",
        stream_confirmed_at="2030-06-01T12:00:00.000001Z",
    )
    with pytest.raises(ConsentError) as refused:
        from_details([pre_confirmed], now=NOW)
    assert str(refused.value) == ahead
    assert (
        new_grant([replace(future, stream_confirmed_at=NOW)], now=NOW).shares[0].check(NOW) is None
    )


def test_a_stored_grant_reads_back_unchecked_after_its_shares_expired() -> None:
    """check=False reads a stored grant as it was; duplicates are still refused."""
    stored = new_grant([share(T, STREAM), share(S, COMMAND)], now=NOW)
    read_at = LATER + timedelta(days=1)

    again = from_details(to_details(stored), now=read_at, check=False)

    assert every_field(again) == every_field(stored)
    assert [s.allows(COMMAND, read_at) for s in again.shares] == [False, False]
    assert from_details([], now=read_at, check=False) == new_grant([], now=read_at)
    with pytest.raises(ConsentError) as refused:
        new_grant([share(T), share(T, COMMAND)], now=read_at, check=False)
    assert str(refused.value) == "Give each data type of a device once."


# --- authorization_details -------------------------------------------------------------------


def test_to_details_groups_identical_choices_in_a_stable_order() -> None:
    """Data types with the same choices share one object; objects sorted by device, mode…."""
    grant = new_grant(
        [
            share(T, QUERY, device="b", purposes=BOTH),
            share(S, QUERY, device="b", purposes=BOTH),
            share(M, QUERY, device="b", purposes=SERVICE),
            share(S, STREAM, device="a", retention=7),
        ],
        now=NOW,
    )

    assert to_details(grant) == [
        detail(
            identifier="a",
            datatypes=["setpoint"],
            actions=["stream_changes"],
            retention_days=7,
            stream_confirmed_at="2030-06-01T12:00:00Z",
        ),
        detail(
            identifier="b",
            datatypes=["setpoint", "temperature"],
            purposes=["recommendations", "service_operation"],
        ),
        detail(identifier="b", datatypes=["mode"]),
    ]


def test_details_round_trip_to_the_same_grant() -> None:
    """to_details → from_details gives back every field of every share."""
    grant = new_grant(
        [
            share(T, STREAM, purposes=BOTH, confirmed=NOW - timedelta(days=10)),
            share(S, COMMAND, retention=0, expires=NOW + timedelta(days=1, microseconds=7)),
            share(DataType.LOCK_STATE, QUERY, device="lock-7", retention=365),
        ],
        now=NOW,
    )

    assert every_field(from_details(to_details(grant), now=NOW)) == every_field(grant)


def test_from_details_reads_other_time_zones_as_utc() -> None:
    """An offset time is the same instant; it comes back written in UTC."""
    grant = from_details([detail(expires_at="2030-07-01T14:00:00+02:00")], now=NOW)

    assert grant.shares[0].expires_at == LATER
    assert grant.shares[0].expires_at.utcoffset() == timedelta(0)
    assert to_details(grant) == [detail()]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"type": "device_state_sharing/v1"},
            "Each authorization detail has type 'handshake_device_sharing'.",
        ),
        ({"locations": ["https://maker.example"]}, "Unknown fields: locations."),
        (
            {"actions": ["report_on_command", "query_current"]},
            "actions holds exactly one sharing mode.",
        ),
        ({"actions": []}, "actions must be a non-empty list of strings."),
        ({"actions": ["stream"]}, "unknown sharing mode 'stream'"),
        ({"datatypes": ["thermostat.mode"]}, "'thermostat.mode' is not a valid DataType"),
        ({"purposes": ["voice_control"]}, "'voice_control' is not a valid Purpose"),
        (
            {"purposes": ["product_development"]},
            "Device data is never shared for product development.",
        ),
        ({"purposes": "service_operation"}, "purposes must be a non-empty list of strings."),
        ({"datatypes": ["temperature", "temperature"]}, "Give each data type of a device once."),
        ({"expires_at": "2030-07-01T12:00:00"}, "expires_at must carry a time zone (UTC: Z)."),
        ({"expires_at": "next month"}, "expires_at must be an ISO 8601 time."),
        ({"expires_at": None}, "expires_at must be an ISO 8601 time."),
        (
            {"stream_confirmed_at": "2030-05-01T12:00:00"},
            "stream_confirmed_at must carry a time zone (UTC: Z).",
        ),
        ({"retention_days": True}, WHOLE),
        ({"retention_days": 30.0}, WHOLE),
        ({"retention_days": 400}, "Keep data from 0 to 365 days."),
        ({"identifier": 123}, WHOLE),
        ({"expires_at": "2030-06-01T12:00:00Z"}, "A share must end in the future."),
    ],
)
def test_from_details_refuses_anything_else(bad: dict[str, Any], message: str) -> None:
    """Wrong type, unknown field, two actions, unknown names, naive time, bool retention…."""
    with pytest.raises(ConsentError) as refused:
        from_details([detail(**bad)], now=NOW)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ([], "A device grant shares at least one data type of one device."),
        (["not an object"], "Each authorization detail has type 'handshake_device_sharing'."),
        ([None], "Each authorization detail has type 'handshake_device_sharing'."),
    ],
)
def test_from_details_refuses_empty_or_non_object_details(details: list[Any], message: str) -> None:
    """No share at all, or an entry that is not a JSON object, is refused."""
    with pytest.raises(ConsentError) as refused:
        from_details(details, now=NOW)
    assert str(refused.value) == message


# --- amendment -------------------------------------------------------------------------------


def test_amendment_of_identical_grants_is_empty() -> None:
    """Nothing changes, nothing to review; a stream reconfirmation alone is no change either."""
    old = new_grant([share(T, STREAM, confirmed=NOW - timedelta(days=80)), share(S)], now=NOW)
    reconfirmed = replace(
        old, shares=(replace(old.shares[0], stream_confirmed_at=NOW), old.shares[1])
    )

    assert amendment(old, old) == []
    assert amendment(old, reconfirmed) == []


def test_amendment_lists_added_removed_and_changed_shares_with_views() -> None:
    """Only what changes, sorted by device and data type, with before/after views."""
    old = new_grant([share(T), share(S), share(M, device="b")], now=NOW)
    new = new_grant(
        [share(T), share(S, STREAM, purposes=BOTH), share(M, device="c", retention=0)], now=NOW
    )
    view = {"mode": "query_current", "purposes": ["service_operation"], "retention_days": 30,
            "expires_at": "2030-07-01T12:00:00Z"}  # fmt: skip

    assert amendment(old, new) == [
        ShareChange("b", M, "removed", view, None),
        ShareChange("c", M, "added", None, {**view, "retention_days": 0}),
        ShareChange(
            "thermostat-1",
            S,
            "changed",
            view,
            {
                **view,
                "mode": "stream_changes",
                "purposes": ["recommendations", "service_operation"],
            },
        ),
    ]


def test_amendment_shows_a_new_expiry_in_utc() -> None:
    """An extended expiry is a change, written as a UTC time."""
    later = datetime(2030, 8, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    old, new = new_grant([share(T)], now=NOW), new_grant([share(T, expires=later)], now=NOW)

    [change] = amendment(old, new)
    assert (change.change, change.after) == (
        "changed",
        {"mode": "query_current", "purposes": ["service_operation"], "retention_days": 30,
         "expires_at": "2030-08-01T12:00:00Z"},
    )  # fmt: skip
