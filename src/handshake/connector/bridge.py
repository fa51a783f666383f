"""The MQTT side of the connector: device state in, commands out, replies matched by id.

State messages update the connector's last known state of each device; significant changes,
merged per device over the coalescing window, go to the publisher for the device's owner.
Discovery is sent on start and whenever a shopper's grant changes version (polled, and noticed
on every grant read).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiomqtt
import structlog

from handshake.connector.accounts import AccountStore
from handshake.connector.directives import CommandReply, DeviceUnreachable
from handshake.connector.grants import GrantCache, GrantUnavailable
from handshake.connector.publisher import Publisher
from handshake.connector.settings import broker_address
from handshake.connector.significance import Coalescer, SignificanceFilter
from handshake.connector.state import Sample, StateBook, decode_payload, parse_state
from handshake.kernel import clock

log = structlog.get_logger(__name__)
RECONNECT_SECONDS = 2.0


@dataclass
class BridgeStats:
    """What the bridge heard."""

    states: int = 0
    replies: int = 0
    unknown_devices: int = 0  # messages from devices in no account: ignored
    unreadable: int = 0
    unfit_values: int = 0  # properties whose value does not fit their data type: dropped
    failed: int = 0  # messages whose handling failed unexpectedly: skipped


def topic_parts(topic: str, maker: str) -> tuple[str, str] | None:
    """``(device, channel)`` of ``handshake/<maker>/<device>/<channel>`` (None: not ours)."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "handshake" or parts[1] != maker or not parts[2]:
        return None
    return parts[2], parts[3]


class Bridge:
    """Devices over MQTT, as the publisher and the directive handler need them."""

    def __init__(
        self, *, maker: str, store: AccountStore, states: StateBook, publisher: Publisher,
        grants: GrantCache, significance: SignificanceFilter, coalescer: Coalescer,
        grant_poll_seconds: float = 10.0,
        now: Callable[[], datetime] = clock.now, monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._maker, self._store, self._publisher, self._grants = maker, store, publisher, grants
        self._significance, self._coalescer = significance, coalescer
        self._poll, self._now, self._monotonic = grant_poll_seconds, now, monotonic
        self._states = states
        self._waiting: dict[str, asyncio.Future[CommandReply]] = {}
        self._client: aiomqtt.Client | None = None
        self._flush_wake = asyncio.Event()
        self.connected = asyncio.Event()
        self.stats = BridgeStats()

    def state(self, device_id: str) -> Mapping[str, Sample]:
        """The last state heard from a device, property by property."""
        return self._states.get(device_id)

    async def command(
        self, device_id: str, name: str, payload: dict[str, Any], within: float
    ) -> CommandReply:
        """Publish a command on the device's topic and wait for the reply with its id."""
        client = self._client
        if client is None:
            raise DeviceUnreachable("not connected to the broker")
        command_id = uuid.uuid4().hex
        waiter: asyncio.Future[CommandReply] = asyncio.get_running_loop().create_future()
        self._waiting[command_id] = waiter
        message = json.dumps({"id": command_id, "name": name, "payload": payload})
        try:
            async with asyncio.timeout(within):
                topic = f"handshake/{self._maker}/{device_id}/command"
                await client.publish(topic, message, qos=1)
                return await waiter
        except aiomqtt.MqttError as exc:
            raise DeviceUnreachable(str(exc)) from exc
        finally:
            self._waiting.pop(command_id, None)

    def handle_message(self, topic: str, payload: Any) -> None:
        """Take in one MQTT message (state or reply); anything else is ignored. A message that
        cannot be handled is logged and skipped: it never takes the connection down."""
        try:
            self._handle(topic, payload)
        except Exception:
            log.exception("connector.message_failed", topic=topic)
            self.stats.failed += 1

    def _handle(self, topic: str, payload: Any) -> None:
        parts = topic_parts(topic, self._maker)
        if parts is None:
            return
        device_id, channel = parts
        document = decode_payload(payload)
        if channel == "state":
            self._take_state(device_id, document)
        elif channel == "reply":
            self._take_reply(device_id, document)

    def _take_state(self, device_id: str, document: Any) -> None:
        if self._store.owner_of(device_id) is None:
            self.stats.unknown_devices += 1
            return
        message = parse_state(document, self._now())
        if message is None:
            self.stats.unreadable += 1
            return
        self.stats.states += 1
        self._count_unfit(device_id, message.unfit)
        fresh = self._states.update(device_id, message.samples)
        changed = self._significance.changes(device_id, fresh)
        if changed:
            self._coalescer.add(device_id, changed, message.cause, self._monotonic())
            self._flush_wake.set()

    def _count_unfit(self, device_id: str, keys: tuple[str, ...]) -> None:
        if keys:
            self.stats.unfit_values += len(keys)
            log.info("connector.values_unfit", device=device_id, keys=list(keys))

    def _take_reply(self, device_id: str, document: Any) -> None:
        if not isinstance(document, dict):
            self.stats.unreadable += 1
            return
        waiter = self._waiting.get(str(document.get("id")))
        if waiter is None or waiter.done():
            return  # late (timed out) or not ours
        self.stats.replies += 1
        props = document.get("properties")
        props = props if isinstance(props, dict) else {}
        error = document.get("error")
        reply = CommandReply(
            document.get("ok") is True, props, None if error is None else str(error)
        )
        if reply.ok:
            parsed = parse_state({"properties": props}, self._now())
            if parsed is not None:
                self._count_unfit(device_id, parsed.unfit)
                self._states.update(device_id, parsed.samples)
        waiter.set_result(reply)

    def flush_due(self) -> float | None:
        """Hand closed coalescing windows to the publisher; when the next one closes."""
        for change in self._coalescer.due(self._monotonic()):
            account = self._store.owner_of(change.device_id)
            if account is not None:
                self._publisher.submit(account.subject, change.device_id, change.changed,
                                       change.cause)  # fmt: skip
        return self._coalescer.next_due()

    async def run(self, mqtt_url: str) -> None:
        """Stay connected to the broker, flush changes and watch grants until cancelled."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._connection(mqtt_url))
            tasks.create_task(self._flusher())
            tasks.create_task(self._grant_watch())

    async def _connection(self, mqtt_url: str) -> None:
        host, port = broker_address(mqtt_url)
        identifier = f"handshake-connector-{self._maker}-{uuid.uuid4().hex[:8]}"
        while True:
            try:
                async with aiomqtt.Client(host, port, identifier=identifier) as client:
                    await client.subscribe(f"handshake/{self._maker}/+/state", qos=1)
                    await client.subscribe(f"handshake/{self._maker}/+/reply", qos=1)
                    self._client = client
                    self.connected.set()
                    log.info("connector.mqtt_connected", broker=f"{host}:{port}")
                    async for message in client.messages:
                        self.handle_message(str(message.topic), message.payload)
            except aiomqtt.MqttError as exc:
                log.warning("connector.mqtt_disconnected", error=str(exc))
            finally:
                self._client = None
                self.connected.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _flusher(self) -> None:
        while True:
            self._flush_wake.clear()
            deadline = self.flush_due()
            timeout = None if deadline is None else max(deadline - self._monotonic(), 0.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_wake.wait(), timeout)

    async def _grant_watch(self) -> None:
        for account in self._store:
            if not account.relink_needed:
                self._publisher.request_discovery(account.subject)
        while True:
            await asyncio.sleep(self._poll)
            for account in self._store:
                if account.relink_needed:
                    continue
                try:  # a new version calls back into the publisher (see GrantCache)
                    await self._grants.read(account.subject)
                except GrantUnavailable:
                    continue
