"""The consent enforcer (pure): reports kept or dropped with reasons, queries, commands, reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from handshake.devices.consent import DataType, DeviceGrant, Purpose, SharingMode, new_grant
from handshake.devices.enforcement import (
    Admitted,
    DropReason,
    admit_report,
    command_allowed,
    read_allowed,
    refused_query,
)
from tests.devices_helpers import BOTH, LATER, NOW, health, of, prop, share

T, S, H = DataType.TEMPERATURE, DataType.SETPOINT, DataType.HUMIDITY
EVERYTHING = frozenset(DataType)  # a command that touched every data type
COMMAND, QUERY, STREAM = (
    SharingMode.REPORT_ON_COMMAND,
    SharingMode.QUERY_CURRENT,
    SharingMode.STREAM_CHANGES,
)
DEVICE = "thermostat-1"


def thermostat() -> DeviceGrant:
    """Temperature streamed (confirmed now), setpoint on query, humidity on command only."""
    return new_grant([share(T, STREAM, purposes=BOTH), share(S, QUERY), share(H, COMMAND)], now=NOW)


def test_a_report_inside_the_grant_is_kept_whole() -> None:
    """Every property the grant allows in this mode passes, in order."""
    report = [of(S, 21.0), health(), of(T, 19.5)]

    assert admit_report(thermostat(), DEVICE, report, mode=QUERY, now=NOW) == Admitted(
        tuple(report), ()
    )


@pytest.mark.parametrize(
    ("device", "report", "mode", "at", "reason"),
    [
        ("lock-7", [of(T)], COMMAND, NOW, DropReason.DEVICE_NOT_SHARED),
        (
            DEVICE,
            [prop("Alexa.ColorController", "color")],
            COMMAND,
            NOW,
            DropReason.UNKNOWN_PROPERTY,
        ),
        (DEVICE, [{"value": 3}], COMMAND, NOW, DropReason.UNKNOWN_PROPERTY),
        (DEVICE, [of(DataType.BATTERY)], COMMAND, NOW, DropReason.DATA_TYPE_NOT_SHARED),
        (DEVICE, [of(S)], COMMAND, LATER, DropReason.SHARE_EXPIRED),
        (DEVICE, [of(H)], QUERY, NOW, DropReason.MODE_NOT_GRANTED),
        (DEVICE, [of(S)], STREAM, NOW, DropReason.MODE_NOT_GRANTED),
        (DEVICE, [of(T)], STREAM, NOW + timedelta(days=90), DropReason.SHARE_EXPIRED),
    ],
)
def test_each_drop_reason(
    device: str, report: list[dict[str, Any]], mode: SharingMode, at: datetime, reason: DropReason
) -> None:
    """Unknown device or property, unshared type, expiry, a mode above the share's."""
    affected = EVERYTHING if mode == COMMAND else None
    assert admit_report(
        thermostat(), device, report, mode=mode, now=at, affected=affected
    ) == Admitted((), ((report[0], reason),))


def test_a_stream_past_its_90_days_is_paused_not_expired() -> None:
    """Confirmed 90 days ago, still in force: changes are dropped as stream_paused."""
    grant = new_grant([share(T, STREAM, expires=NOW + timedelta(days=200), confirmed=NOW)], now=NOW)
    at = NOW + timedelta(days=90)

    assert admit_report(grant, DEVICE, [of(T)], mode=STREAM, now=at) == Admitted(
        (), ((of(T), DropReason.STREAM_PAUSED),)
    )
    assert admit_report(grant, DEVICE, [of(T)], mode=QUERY, now=at) == Admitted((of(T),), ())


def test_a_mixed_report_keeps_only_what_the_grant_allows() -> None:
    """Kept and dropped keep the report's order, each drop with its own reason."""
    report = [of(H), of(T, 20.0), prop("Vendor.Energy", "watts"), of(S), health()]

    admitted = admit_report(thermostat(), DEVICE, report, mode=STREAM, now=NOW)

    assert admitted.kept == (of(T, 20.0), health())
    assert admitted.dropped == (
        (of(H), DropReason.MODE_NOT_GRANTED),
        (prop("Vendor.Energy", "watts"), DropReason.UNKNOWN_PROPERTY),
        (of(S), DropReason.MODE_NOT_GRANTED),
    )


def test_a_revoked_grant_drops_everything() -> None:
    """Revocation wins over every other rule, connectivity included."""
    report = [of(T), health(), prop("Vendor.Energy", "watts")]
    revoked = replace(thermostat(), revoked=True)

    assert admit_report(
        revoked, DEVICE, report, mode=COMMAND, now=NOW, affected=EVERYTHING
    ) == Admitted((), tuple((p, DropReason.GRANT_REVOKED) for p in report))
    assert refused_query(revoked, DEVICE, [S], NOW) == {S: DropReason.GRANT_REVOKED}
    assert command_allowed(revoked, DEVICE, NOW) is False
    assert read_allowed(revoked, DEVICE, T, Purpose.SERVICE_OPERATION, NOW) is False


def test_connectivity_passes_only_with_a_share_allowing_the_mode() -> None:
    """Device health rides along with any share of the device that allows the report's mode."""
    on_command = new_grant([share(H, COMMAND)], now=NOW)
    query = new_grant([share(S, QUERY)], now=NOW)

    def kept(grant: DeviceGrant, mode: SharingMode, at: datetime = NOW) -> bool:
        """Whether connectivity alone is kept."""
        affected = EVERYTHING if mode == COMMAND else None
        answer = admit_report(grant, DEVICE, [health()], mode=mode, now=at, affected=affected)
        return answer.kept == (health(),)

    assert [kept(on_command, m) for m in SharingMode] == [True, False, False]
    assert [kept(query, m) for m in SharingMode] == [True, True, False]
    assert [kept(thermostat(), m) for m in SharingMode] == [True, True, True]
    assert kept(query, COMMAND, LATER) is False
    assert admit_report(query, DEVICE, [health()], mode=STREAM, now=NOW).dropped == (
        (health(), DropReason.MODE_NOT_GRANTED),
    )


def test_affected_limits_a_command_answer_to_what_the_command_touched() -> None:
    """Only affected data types (and connectivity) pass; the rest are not_affected_by_command."""
    report = [of(S, 22.0), of(T), health(), of(DataType.BATTERY)]

    admitted = admit_report(thermostat(), DEVICE, report, mode=COMMAND, now=NOW, affected=[S])

    assert admitted.kept == (of(S, 22.0), health())
    assert admitted.dropped == (
        (of(T), DropReason.NOT_AFFECTED_BY_COMMAND),
        (of(DataType.BATTERY), DropReason.NOT_AFFECTED_BY_COMMAND),
    )


def test_an_affected_type_still_needs_its_share() -> None:
    """A command touching an unshared or expired type does not open it."""
    grant = new_grant([share(S, QUERY), share(T, QUERY, expires=NOW + timedelta(hours=1))], now=NOW)
    at = NOW + timedelta(hours=1)
    report = [of(DataType.MODE), of(T), of(S)]

    admitted = admit_report(
        grant, DEVICE, report, mode=COMMAND, now=at, affected={DataType.MODE, T}
    )

    assert admitted == Admitted(
        (), ((of(DataType.MODE), DropReason.DATA_TYPE_NOT_SHARED),
             (of(T), DropReason.SHARE_EXPIRED), (of(S), DropReason.NOT_AFFECTED_BY_COMMAND))
    )  # fmt: skip


def test_refused_query_names_each_refused_type_with_its_reason() -> None:
    """Only query_current shares (or higher) may be asked; empty when everything is allowed."""
    grant = thermostat()

    assert refused_query(grant, DEVICE, [T, S], NOW) == {}
    assert refused_query(grant, DEVICE, [T, S, H, DataType.BATTERY], NOW) == {
        H: DropReason.MODE_NOT_GRANTED,
        DataType.BATTERY: DropReason.DATA_TYPE_NOT_SHARED,
    }
    assert refused_query(grant, DEVICE, [S], LATER) == {S: DropReason.SHARE_EXPIRED}
    assert refused_query(grant, "lock-7", [T], NOW) == {T: DropReason.DEVICE_NOT_SHARED}


def test_a_paused_stream_may_still_be_queried() -> None:
    """Past the 90 days the stream pauses, but query_current is still within the share."""
    grant = new_grant([share(T, STREAM, expires=NOW + timedelta(days=200))], now=NOW)

    assert refused_query(grant, DEVICE, [T], NOW + timedelta(days=120)) == {}


def test_command_allowed_needs_a_live_share_of_the_device() -> None:
    """Any unexpired share of the device lets the shopper's commands through."""
    grant = new_grant(
        [share(H, COMMAND), share(T, QUERY, expires=NOW + timedelta(days=60))], now=NOW
    )

    assert command_allowed(grant, DEVICE, NOW) is True
    assert command_allowed(grant, DEVICE, LATER) is True
    assert command_allowed(grant, DEVICE, NOW + timedelta(days=60)) is False
    assert command_allowed(grant, "lock-7", NOW) is False


def test_read_allowed_by_purpose_and_expiry() -> None:
    """A read must name a purpose the share holds, before the share ends."""
    grant = thermostat()

    assert read_allowed(grant, DEVICE, T, Purpose.RECOMMENDATIONS, NOW) is True
    assert read_allowed(grant, DEVICE, S, Purpose.SERVICE_OPERATION, NOW) is True
    assert read_allowed(grant, DEVICE, S, Purpose.RECOMMENDATIONS, NOW) is False
    assert read_allowed(grant, DEVICE, T, Purpose.PRODUCT_DEVELOPMENT, NOW) is False
    assert read_allowed(grant, DEVICE, T, Purpose.RECOMMENDATIONS, LATER) is False
    assert read_allowed(grant, DEVICE, DataType.BATTERY, Purpose.SERVICE_OPERATION, NOW) is False
    assert read_allowed(grant, "lock-7", T, Purpose.SERVICE_OPERATION, NOW) is False


def test_a_command_answer_needs_what_the_command_affected() -> None:
    """Without ``affected`` a command's answer is refused outright, never let through whole."""
    with pytest.raises(ValueError, match="affected"):
        admit_report(thermostat(), DEVICE, [of(T)], mode=COMMAND, now=NOW)
