"""ThermoCo's simulated homes, in process: each linked shopper gets a thermostat, a humidity
sensor and a smart lock whose values drift (the maker connector's simulator), answer commands,
and feed the state book the connector's publisher and directive handler read."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from handshake.connector.accounts import Device, DeviceKind
from handshake.connector.directives import CommandReply
from handshake.connector.simulator import SimulatedDevice, apply_command, drift, make_fleet
from handshake.connector.state import Sample, StateBook, parse_state
from handshake.kernel import clock

HOME = {"thermostat": "Living room thermostat", "sensor": "Bathroom humidity sensor",
        "lock": "Front door lock"}  # fmt: skip


class Fleet:
    """Every simulated device of every ThermoCo home."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.states = StateBook()
        self.devices: dict[str, SimulatedDevice] = {}

    def new_home(self) -> list[Device]:
        """Three new devices (ids unique across homes), already reporting their state."""
        home = []
        for device in make_fleet(3, self.rng):
            kind: DeviceKind = device.kind  # type: ignore[assignment]  # the simulator's kinds
            device.device_id = f"{kind}-{len(self.devices) + 1}"
            self.devices[device.device_id] = device
            self._observe(device, "physical")
            home.append(Device(device_id=device.device_id, kind=kind, name=HOME[kind]))
        return home

    def _observe(self, device: SimulatedDevice, cause: str) -> dict[str, Sample]:
        message = parse_state({"properties": device.state, "cause": cause}, clock.now())
        if message is None:
            return {}
        self.states.update(device.device_id, message.samples)
        return self.states.get(device.device_id)

    def tick(self, device_ids: list[str]) -> dict[str, tuple[dict[str, Sample], str]]:
        """One drift step of these devices: each one's state now and the step's cause."""
        stepped = {}
        for device_id in device_ids:
            device = self.devices.get(device_id)
            if device is not None:
                cause = drift(device, self.rng)
                stepped[device_id] = (self._observe(device, cause), cause)
        return stepped

    async def command(
        self, device_id: str, name: str, payload: dict[str, Any], within: float
    ) -> CommandReply:
        """Carry out a command at once (the devices live in this process)."""
        device = self.devices.get(device_id)
        if device is None:
            return CommandReply(False, error="ENDPOINT_UNREACHABLE")
        error = apply_command(device, name, payload)
        if error is not None:
            return CommandReply(False, error=error)
        self._observe(device, "app")
        return CommandReply(True, dict(device.state))

    def state(self, device_id: str) -> Mapping[str, Sample]:
        """The last state of a device."""
        return self.states.get(device_id)
