"""The accounts file: each linked shopper's tokens and devices, saved atomically on refresh.

Format (JSON)::

    [{"subject": "<sub of the link>", "access_token": "…", "refresh_token": "…",
      "expires_at": "2030-01-01T00:00:00Z", "relink_needed": false,
      "devices": [{"device_id": "thermostat-1", "kind": "thermostat", "name": "Hall"}]}]
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter

from handshake.devices.consent import DataType

DeviceKind = Literal["thermostat", "sensor", "lock"]

# The data types each kind of device measures (what discovery and ReportState may name).
KIND_DATA_TYPES: dict[str, tuple[DataType, ...]] = {
    "thermostat": (DataType.TEMPERATURE, DataType.SETPOINT, DataType.MODE, DataType.HUMIDITY),
    "sensor": (DataType.HUMIDITY, DataType.BATTERY, DataType.OCCUPANCY),
    "lock": (DataType.LOCK_STATE, DataType.BATTERY),
}


class Device(BaseModel):
    """One device of a shopper's fleet."""

    device_id: str = Field(min_length=1, max_length=256, pattern=r"^[^/+#]+$")
    kind: DeviceKind
    name: str = ""

    @property
    def data_types(self) -> tuple[DataType, ...]:
        """The data types this device measures."""
        return KIND_DATA_TYPES[self.kind]


class Account(BaseModel):
    """A linked shopper: the link's tokens and the devices the shopper owns."""

    subject: str = Field(min_length=1)
    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime
    # Set when the platform refused the refresh token or sharing ended: the shopper must link
    # again before anything is published for them.
    relink_needed: bool = False
    devices: list[Device] = Field(default_factory=list)


_FILE = TypeAdapter(list[Account])


class AccountStore:
    """The accounts of one connector, by subject and by device, backed by one JSON file."""

    def __init__(self, accounts: list[Account], path: Path | None = None) -> None:
        self.path = path
        self._accounts = {a.subject: a for a in accounts}
        self._owners = {d.device_id: a.subject for a in accounts for d in a.devices}
        self._write_lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> AccountStore:
        """Read the accounts file (an empty store when it does not exist yet)."""
        if not path.exists():
            return cls([], path)
        return cls(_FILE.validate_json(path.read_bytes()), path)

    def __iter__(self) -> Iterator[Account]:
        return iter(list(self._accounts.values()))

    def get(self, subject: str) -> Account | None:
        """The account of a link's subject."""
        return self._accounts.get(subject)

    def owner_of(self, device_id: str) -> Account | None:
        """The account owning a device."""
        subject = self._owners.get(device_id)
        return None if subject is None else self._accounts.get(subject)

    def device(self, subject: str, device_id: str) -> Device | None:
        """One device of one account."""
        account = self._accounts.get(subject)
        if account is None:
            return None
        return next((d for d in account.devices if d.device_id == device_id), None)

    def put(self, account: Account) -> None:
        """Add or replace an account (a shopper linked, or linked again)."""
        self._accounts[account.subject] = account
        self._owners = {d.device_id: a.subject for a in self._accounts.values() for d in a.devices}

    def snapshot(self) -> bytes:
        """The file's content now (taken on the event loop, written elsewhere)."""
        return _FILE.dump_json(list(self._accounts.values()), indent=2)

    def write(self, content: bytes) -> None:
        """Replace the file atomically: a crash leaves either the old or the new tokens."""
        if self.path is None:
            return
        with self._write_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".accounts-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temp, 0o600)  # tokens are secrets
                os.replace(temp, self.path)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise

    def save(self) -> None:
        """Write the current accounts to the file."""
        self.write(self.snapshot())


def dump_accounts(accounts: list[Account]) -> str:
    """The accounts file's text for ``accounts`` (for tools and tests)."""
    return json.dumps(json.loads(_FILE.dump_json(accounts)), indent=2)
