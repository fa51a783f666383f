"""Simulated devices speaking the connector's MQTT protocol, deterministic for a given seed.

Thermostats (temperature, setpoint, mode, humidity), humidity sensors (humidity, battery,
occupancy) and smart locks (lock state, battery) publish their whole state on
``handshake/<maker>/<device>/state`` ``rate`` times a second, with values that drift like real
ones: the temperature walks towards the setpoint, humidity wanders, batteries slowly drain,
people come and go. They answer commands on ``…/command`` with a ``…/reply`` (a lock takes a
moment to turn) and then publish their new state.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
import structlog

from handshake.connector.settings import broker_address
from handshake.connector.state import decode_payload
from handshake.kernel import clock

log = structlog.get_logger(__name__)
KINDS = ("thermostat", "sensor", "lock")
MODES = ("HEAT", "COOL", "AUTO", "ECO", "OFF")
MIN_SETPOINT, MAX_SETPOINT = 5.0, 30.0


@dataclass
class SimulatedDevice:
    """One device: its id, kind and current state (keys are data types)."""

    device_id: str
    kind: str
    state: dict[str, Any]


@dataclass
class SimulationStats:
    """What the simulator did."""

    states_published: int = 0
    commands_answered: int = 0


def device_ids(count: int) -> list[str]:
    """The ids ``simulate`` gives ``count`` devices: thermostat-1, sensor-2, lock-3, …"""
    return [f"{KINDS[i % 3]}-{i + 1}" for i in range(count)]


def make_fleet(count: int, rng: random.Random) -> list[SimulatedDevice]:
    """``count`` devices cycling through the kinds, with plausible starting values."""
    fleet = []
    for device_id in device_ids(count):
        kind = device_id.rsplit("-", 1)[0]
        state: dict[str, Any] = {"connectivity": "OK"}
        if kind == "thermostat":
            setpoint = rng.choice((19.0, 20.0, 20.5, 21.0, 22.0))
            state |= {"setpoint": setpoint, "temperature": round(setpoint + rng.uniform(-2, 2), 1),
                      "mode": rng.choice(("HEAT", "AUTO", "ECO")),
                      "humidity": rng.randint(35, 55)}  # fmt: skip
        elif kind == "sensor":
            state |= {"humidity": rng.randint(30, 65), "battery": rng.randint(40, 100),
                      "occupancy": "NOT_DETECTED"}  # fmt: skip
        else:
            state |= {"lock_state": "LOCKED", "battery": rng.randint(40, 100)}
        fleet.append(SimulatedDevice(device_id, kind, state))
    return fleet


def drift(device: SimulatedDevice, rng: random.Random) -> str:
    """Move the device's values one step; the cause of the step's changes."""
    s, cause = device.state, "poll"
    if "temperature" in s:
        pull = 0.0 if s["mode"] == "OFF" else 0.15 * (s["setpoint"] - s["temperature"])
        s["temperature"] = round(s["temperature"] + pull + rng.gauss(0, 0.15), 1)
    if "humidity" in s:
        s["humidity"] = min(90, max(15, s["humidity"] + rng.choice((-1, 0, 0, 0, 1))))
    if "battery" in s and rng.random() < 0.02:
        s["battery"] = max(0, s["battery"] - 1)
    if "occupancy" in s and rng.random() < 0.05:
        s["occupancy"] = "NOT_DETECTED" if s["occupancy"] == "DETECTED" else "DETECTED"
        cause = "physical"
    if "lock_state" in s and rng.random() < 0.01:  # someone turned the key by hand
        s["lock_state"] = "UNLOCKED" if s["lock_state"] == "LOCKED" else "LOCKED"
        cause = "physical"
    return cause


def _celsius(payload: dict[str, Any], name: str) -> float | None:
    value = payload.get(name)
    value = value.get("value") if isinstance(value, dict) else value
    return float(value) if isinstance(value, int | float) else None


def apply_command(device: SimulatedDevice, name: str, payload: dict[str, Any]) -> str | None:
    """Carry out a command on the device; the Alexa error type when it cannot (None: done)."""
    s = device.state
    if name in {"SetTargetTemperature", "AdjustTargetTemperature"} and "setpoint" in s:
        wanted = _celsius(payload, "targetSetpoint")
        delta = _celsius(payload, "targetSetpointDelta")
        target = wanted if name == "SetTargetTemperature" else None
        if target is None and delta is not None and name == "AdjustTargetTemperature":
            target = s["setpoint"] + delta
        if target is None:
            return "INVALID_VALUE"
        if not MIN_SETPOINT <= target <= MAX_SETPOINT:
            return "TEMPERATURE_VALUE_OUT_OF_RANGE"
        s["setpoint"] = round(target, 1)
        return None
    if name == "SetThermostatMode" and "mode" in s:
        mode = payload.get("thermostatMode")
        mode = mode.get("value") if isinstance(mode, dict) else mode
        if mode not in MODES:
            return "INVALID_VALUE"
        s["mode"] = mode
        return None
    if name in {"Lock", "Unlock"} and "lock_state" in s:
        s["lock_state"] = "LOCKED" if name == "Lock" else "UNLOCKED"
        return None
    return "INVALID_DIRECTIVE"


def state_message(device: SimulatedDevice, cause: str) -> str:
    """The device's state topic payload now."""
    at = clock.iso_z(clock.now())
    return json.dumps({"properties": device.state, "cause": cause, "at": at})


@dataclass
class Simulator:
    """A fleet on one MQTT connection."""

    client: aiomqtt.Client
    maker: str
    fleet: dict[str, SimulatedDevice]
    rng: random.Random
    lock_delay: float = 0.3
    stats: SimulationStats = field(default_factory=SimulationStats)

    async def publish_state(self, device: SimulatedDevice, cause: str) -> None:
        """Publish one device's whole state."""
        topic = f"handshake/{self.maker}/{device.device_id}/state"
        await self.client.publish(topic, state_message(device, cause), qos=1)
        self.stats.states_published += 1

    async def tick_forever(self, period: float) -> None:
        """Drift and publish every device every ``period`` seconds."""
        while True:
            for device in self.fleet.values():
                await self.publish_state(device, drift(device, self.rng))
            await asyncio.sleep(period)

    async def answer(self, device: SimulatedDevice, command: dict[str, Any]) -> None:
        """Carry out a command, reply to it, then publish the new state."""
        name, payload = str(command.get("name")), command.get("payload")
        if name in {"Lock", "Unlock"}:
            await asyncio.sleep(self.lock_delay)  # the bolt takes a moment
        error = apply_command(device, name, payload if isinstance(payload, dict) else {})
        reply: dict[str, Any] = {"id": command.get("id"), "ok": error is None}
        reply |= {"properties": dict(device.state)} if error is None else {"error": error}
        topic = f"handshake/{self.maker}/{device.device_id}/reply"
        await self.client.publish(topic, json.dumps(reply), qos=1)
        self.stats.commands_answered += 1
        if error is None:
            await self.publish_state(device, "voice")

    async def listen(self) -> None:
        """Answer commands sent to any device of the fleet."""
        pending: set[asyncio.Task[None]] = set()
        async for message in self.client.messages:
            device = self.fleet.get(str(message.topic).split("/")[2])
            command = decode_payload(message.payload)
            if device is not None and isinstance(command, dict):
                task = asyncio.create_task(self.answer(device, command))
                pending.add(task)  # keep a reference until it is done
                task.add_done_callback(pending.discard)


async def simulate(
    count: int, mqtt_url: str, maker: str, *, rate: float = 1.0, seed: int = 0,
    duration: float | None = None, lock_delay: float = 0.3,
) -> SimulationStats:  # fmt: skip
    """Run ``count`` simulated devices against the broker for ``duration`` s (None: forever)."""
    if count < 1 or rate <= 0:
        raise ValueError("count is at least 1 and rate above 0")
    rng = random.Random(seed)
    fleet = {d.device_id: d for d in make_fleet(count, rng)}
    host, port = broker_address(mqtt_url)
    async with aiomqtt.Client(host, port, identifier=f"handshake-simulator-{maker}-{seed}") as c:
        await c.subscribe(f"handshake/{maker}/+/command", qos=1)
        simulator = Simulator(c, maker, fleet, rng, lock_delay)
        log.info("connector.simulator_started", devices=count, broker=f"{host}:{port}")
        try:
            async with asyncio.timeout(duration), asyncio.TaskGroup() as tasks:
                tasks.create_task(simulator.tick_forever(1.0 / rate))
                tasks.create_task(simulator.listen())
        except TimeoutError:
            pass
        return simulator.stats
