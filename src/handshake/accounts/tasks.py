"""Wiring of the accounts domain: its own sections of the personal-data export."""

from __future__ import annotations

from handshake.accounts.personal_data import ACCOUNT_SECTIONS
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Register accounts' export sections (its erasure steps run inside ``erase_shopper``)."""
    del jobs, bus, settings  # accounts has no background jobs or subscriptions yet
    for section, exporter in ACCOUNT_SECTIONS.items():
        personal_data.add_exporter(section, exporter)
