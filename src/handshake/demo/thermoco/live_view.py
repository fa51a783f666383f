"""The live view's rows: per device and data type, the mode the shopper chose (as ThermoCo
reads the grant now), the value on the device, and the last value the platform received."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.connector.accounts import Account
from handshake.connector.grants import GrantCache, GrantUnavailable
from handshake.connector.messages import alexa_value
from handshake.connector.state import StateBook
from handshake.demo.thermoco.sharing import SentLog, SentValue, shown
from handshake.devices.consent import DeviceGrant
from handshake.kernel import clock


@dataclass(frozen=True)
class SharedRow:
    """One data type of one device, as the live view shows it."""

    device_id: str
    device_name: str
    data_type: str
    mode: str | None  # None: not shared (or sharing ended)
    on_device: str
    sent: SentValue | None
    sent_text: str


def _mode(grant: DeviceGrant | None, device_id: str, data_type: object) -> str | None:
    if grant is None or grant.revoked:
        return None
    share = next(
        (s for s in grant.shares if s.device_id == device_id and s.data_type == data_type), None
    )
    if share is None or not share.allows(share.mode, clock.now()):
        return None
    return share.mode.label


async def shared_rows(
    account: Account, grants: GrantCache | None, states: StateBook, sent: SentLog
) -> tuple[list[SharedRow], bool]:
    """The rows of one shopper's home (``grants`` None: the link ended, nothing is shared),
    and whether the grant could be read."""
    grant: DeviceGrant | None = None
    readable = True
    try:
        if grants is not None:
            grant = await grants.grant(account.subject)
    except GrantUnavailable:
        readable = False
    rows = []
    for device in account.devices:
        state = states.get(device.device_id)
        for kind in device.data_types:
            sample = state.get(kind.value)
            last = sent.last.get((device.device_id, kind.value))
            rows.append(SharedRow(
                device.device_id, device.name, kind.value,
                _mode(grant, device.device_id, kind),
                "—" if sample is None else shown(alexa_value(kind.value, sample.value)),
                last, "" if last is None else shown(last.value),
            ))  # fmt: skip
    return rows, readable
