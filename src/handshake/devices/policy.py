"""What device use cases need from the process: the client that calls makers' endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.devices.maker_client import MakerClient
from handshake.settings import Settings
from handshake.webhooks.targets import TargetGuard, private_targets_allowed


@dataclass(frozen=True)
class DevicesPolicy:
    """The process-wide maker client (one HTTP connection pool)."""

    maker_client: MakerClient


def devices_policy(settings: Settings) -> DevicesPolicy:
    """The policy of ``settings`` (private maker URLs allowed as for webhooks)."""
    guard = TargetGuard(allow_private=private_targets_allowed(settings))
    return DevicesPolicy(MakerClient(guard=guard))
