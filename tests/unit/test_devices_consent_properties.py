"""Property tests of the consent enforcer and grant format over random grants and report streams.

The oracle below restates the rules from the issue and the reference (per device and data type,
mode levels, expiry, 90-day stream confirmation, connectivity with any share of its device) on its
own, with its own table of Alexa-shaped properties, so the enforcer is checked against it rather
than against itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from handshake.devices.authorization_details import from_details, to_details
from handshake.devices.consent import (
    OFFERED_PURPOSES,
    DataType,
    DeviceGrant,
    Share,
    SharingMode,
    new_grant,
)
from handshake.devices.enforcement import Admitted, DropReason, admit_report
from tests.devices_helpers import every_field, prop

GRANTED_AT = datetime(2030, 1, 1, tzinfo=UTC)
NINETY_DAYS = timedelta(days=90)
DEVICES = ("thermostat-1", "sensor-2", "lock-3")
DEVICES_AND = (*DEVICES, "other-9")
HEALTH = ("Alexa.EndpointHealth", "connectivity")
# Reference §1.4–1.7: the Alexa-shaped property of each data type.
KNOWN = {
    ("Alexa.TemperatureSensor", "temperature"): DataType.TEMPERATURE,
    ("Alexa.ThermostatController", "targetSetpoint"): DataType.SETPOINT,
    ("Alexa.ThermostatController", "lowerSetpoint"): DataType.SETPOINT,
    ("Alexa.ThermostatController", "upperSetpoint"): DataType.SETPOINT,
    ("Alexa.ThermostatController", "thermostatMode"): DataType.MODE,
    ("Alexa.HumiditySensor", "relativeHumidity"): DataType.HUMIDITY,
    ("Alexa.LockController", "lockState"): DataType.LOCK_STATE,
    ("Alexa.EndpointHealth", "battery"): DataType.BATTERY,
    ("Alexa.MotionSensor", "detectionState"): DataType.OCCUPANCY,
}
EXTENSIONS = [timedelta(0), timedelta(microseconds=1), NINETY_DAYS]
UNKNOWN = [("Alexa.ColorController", "color"), ("Vendor.Energy", "watts"), ("Alexa", "")]

# Days and seconds drawn apart: one wide integer range would favour tiny offsets.
offsets = st.builds(
    timedelta,
    days=st.integers(0, 199),
    seconds=st.integers(1, 86_399),
    microseconds=st.integers(0, 9),
)
zones = st.builds(timezone, st.builds(timedelta, hours=st.integers(-12, 14)))


@st.composite
def shares(draw: st.DrawFn) -> Share:
    """A valid share: future expiry (any offset), confirmation none or up to 120 days before."""
    expires = (GRANTED_AT + draw(offsets)).astimezone(draw(zones))
    back = st.builds(timedelta, days=st.integers(0, 120), seconds=st.integers(0, 86_399))
    confirmed = draw(st.none() | back.map(lambda d: GRANTED_AT - d))
    return Share(
        draw(st.sampled_from(DEVICES)),
        draw(st.sampled_from(DataType)),
        draw(st.sampled_from(SharingMode)),
        frozenset(draw(st.sets(st.sampled_from(sorted(OFFERED_PURPOSES)), min_size=1))),
        draw(st.integers(0, 365)),
        expires,
        confirmed,
    )


def grants(min_size: int = 0) -> st.SearchStrategy[DeviceGrant]:
    """Grants of random shares, one per device and data type, given at GRANTED_AT."""
    listed = st.lists(shares(), min_size=min_size, max_size=10, unique_by=_key)
    return listed.map(lambda chosen: new_grant(chosen, now=GRANTED_AT))


def _key(share: Share) -> tuple[str, DataType]:
    return (share.device_id, share.data_type)


@st.composite
def report_properties(draw: st.DrawFn, grant: DeviceGrant) -> list[dict[str, Any]]:
    """Fresh property objects (shared, any known, connectivity, unknown), each a new object."""
    shared = sorted(k for k, kind in KNOWN.items() if kind in {s.data_type for s in grant.shares})
    anything = st.sampled_from([*KNOWN, HEALTH, *UNKNOWN])
    keys = draw(st.lists((st.sampled_from(shared) if shared else anything) | anything, max_size=12))
    return [prop(ns, name, draw(st.integers(0, 100))) for ns, name in keys]


@dataclass(frozen=True)
class Report:
    """One report arriving at the enforcer."""

    device: str
    properties: list[dict[str, Any]]
    mode: SharingMode
    now: datetime
    affected: frozenset[DataType] | None


@st.composite
def reports(draw: st.DrawFn, grant: DeviceGrant) -> Report:
    """A report at a random time, often right at a share's expiry or stream pause (−1 µs, 0)."""
    edges = (
        [GRANTED_AT]
        + [s.expires_at for s in grant.shares]
        + [s.stream_confirmed_at + NINETY_DAYS for s in grant.shares if s.stream_confirmed_at]
    )
    near = st.sampled_from(edges).flatmap(
        lambda edge: st.sampled_from([edge, edge - timedelta(microseconds=1)])
    )
    now = draw(near | st.builds(lambda d: GRANTED_AT + d, offsets))
    now = max(now, GRANTED_AT)
    return Report(
        draw(st.sampled_from(sorted(grant.devices()) or DEVICES) | st.sampled_from(DEVICES_AND)),
        draw(report_properties(grant)),
        mode := draw(st.sampled_from(sorted(SharingMode, reverse=True))),
        now,
        # A command's answer always says what the command affected (the enforcer requires it).
        draw(
            st.frozensets(st.sampled_from(DataType))
            if mode == SharingMode.REPORT_ON_COMMAND
            else st.none() | st.frozensets(st.sampled_from(DataType))
        ),
    )


def grant_and_report(min_size: int = 0) -> st.SearchStrategy[tuple[DeviceGrant, Report]]:
    """A random grant with a random report against it."""
    return grants(min_size).flatmap(lambda g: st.tuples(st.just(g), reports(g)))


def admit(grant: DeviceGrant, report: Report) -> Admitted:
    """Run the enforcer on one report."""
    return admit_report(
        grant,
        report.device,
        report.properties,
        mode=report.mode,
        now=report.now,
        affected=report.affected,
    )


def lets_through(share: Share, mode: SharingMode, now: datetime) -> bool:
    """The oracle for one share: level, expiry, and for streams the 90-day window."""
    if share.mode < mode or now >= share.expires_at:
        return False
    if mode < SharingMode.STREAM_CHANGES:
        return True
    confirmed = share.stream_confirmed_at
    return confirmed is not None and confirmed <= now < confirmed + NINETY_DAYS


def inside_grant(grant: DeviceGrant, report: Report, item: dict[str, Any]) -> bool:
    """The oracle: whether the grant allows this property of this report."""
    key = (item["namespace"], item["name"])
    mine = [s for s in grant.shares if s.device_id == report.device]
    if grant.revoked:
        return False
    if key == HEALTH:
        return any(lets_through(s, report.mode, report.now) for s in mine)
    kind = KNOWN.get(key)
    if kind is None or (report.affected is not None and kind not in report.affected):
        return False
    return any(s.data_type == kind and lets_through(s, report.mode, report.now) for s in mine)


def kept_positions(report: Report, admitted: Admitted) -> list[int]:
    """Indexes of the kept properties, after checking kept ∪ dropped is the input in order."""
    kept, dropped, positions = list(admitted.kept), [p for p, _ in admitted.dropped], []
    for index, item in enumerate(report.properties):
        if kept and kept[0] is item:
            kept.pop(0)
            positions.append(index)
        else:
            assert dropped, f"property {index} lost"
            assert dropped[0] is item, f"property {index} reordered"
            dropped.pop(0)
    assert (kept, dropped) == ([], [])
    return positions


@settings(max_examples=300, deadline=None)
@given(grant_and_report())
def test_nothing_outside_the_grant_is_ever_kept(case: tuple[DeviceGrant, Report]) -> None:
    """Every kept property has a live share of its type on the device allowing the mode."""
    grant, report = case
    for item in admit(grant, report).kept:
        assert inside_grant(grant, report, item), item


@settings(max_examples=300, deadline=None)
@given(grant_and_report())
def test_everything_inside_the_grant_is_kept(case: tuple[DeviceGrant, Report]) -> None:
    """The converse: the enforcer keeps exactly what the oracle allows."""
    grant, report = case
    positions = kept_positions(report, admit(grant, report))
    expected = [i for i, p in enumerate(report.properties) if inside_grant(grant, report, p)]
    assert positions == expected


@settings(max_examples=300, deadline=None)
@given(grant_and_report())
def test_kept_and_dropped_are_exactly_the_input_in_order(case: tuple[DeviceGrant, Report]) -> None:
    """No property is lost, duplicated or reordered; each drop carries a reason."""
    grant, report = case
    admitted = admit(grant, report)
    kept_positions(report, admitted)
    assert len(admitted.kept) + len(admitted.dropped) == len(report.properties)
    assert all(isinstance(reason, DropReason) for _, reason in admitted.dropped)


@settings(max_examples=300, deadline=None)
@given(shares(), st.sampled_from([timedelta(0), -timedelta(microseconds=1)]), offsets, st.data())
def test_a_change_report_passes_only_inside_the_stream_window(
    chosen: Share, nudge: timedelta, later: timedelta, data: st.DataObject
) -> None:
    """A streamed property is kept only from confirmation to 90 days on, and before expiry."""
    [given_share] = new_grant(
        [replace(chosen, mode=SharingMode.STREAM_CHANGES)], now=GRANTED_AT
    ).shares
    confirmed = given_share.stream_confirmed_at
    assert confirmed is not None
    edge = data.draw(st.sampled_from([confirmed + NINETY_DAYS, given_share.expires_at]))
    now = max(GRANTED_AT, data.draw(st.sampled_from([edge + nudge, GRANTED_AT + later])))
    key = data.draw(st.sampled_from([k for k, v in KNOWN.items() if v == given_share.data_type]))
    grant = DeviceGrant((given_share,))
    report = Report(given_share.device_id, [prop(*key)], SharingMode.STREAM_CHANGES, now, None)

    kept = admit(grant, report).kept == tuple(report.properties)
    assert kept == (now < min(given_share.expires_at, confirmed + NINETY_DAYS))


@given(grant_and_report())
def test_a_revoked_grant_keeps_nothing(case: tuple[DeviceGrant, Report]) -> None:
    """After revocation every property is dropped as grant_revoked."""
    grant, report = case
    admitted = admit(replace(grant, revoked=True), report)
    assert admitted == Admitted((), tuple((p, DropReason.GRANT_REVOKED) for p in report.properties))


@settings(max_examples=300, deadline=None)
@given(grant_and_report(min_size=1), st.data())
def test_widening_a_share_never_drops_what_was_kept(
    case: tuple[DeviceGrant, Report], data: st.DataObject
) -> None:
    """Raising a share's mode or extending its expiry keeps at least what was kept before."""
    grant, report = case
    index = data.draw(st.integers(0, len(grant.shares) - 1))
    old = grant.shares[index]
    wider = replace(
        old,
        mode=data.draw(st.sampled_from([m for m in SharingMode if m >= old.mode])),
        expires_at=old.expires_at + data.draw(st.sampled_from(EXTENSIONS)),
    )
    widened = new_grant([*grant.shares[:index], wider, *grant.shares[index + 1 :]], now=GRANTED_AT)

    before = kept_positions(report, admit(grant, report))
    after = kept_positions(report, admit(widened, report))
    assert set(before) <= set(after)


@settings(max_examples=300, deadline=None)
@given(grants(min_size=1), offsets)
def test_details_round_trip_any_valid_grant(grant: DeviceGrant, later: timedelta) -> None:
    """to_details → from_details gives the same grant, field by field, now or read back later."""
    details = to_details(grant)
    again = from_details(details, now=GRANTED_AT)
    stored = from_details(details, now=GRANTED_AT + later, check=False)

    assert every_field(again) == every_field(grant) == every_field(stored)
    assert to_details(again) == details
    assert sum(len(d["datatypes"]) for d in details) == len(grant.shares)
