"""Registry through which every domain contributes to a shopper's data export and erasure.

``accounts`` owns the export/erasure use cases but sits low in the layers; upper domains
(linking, checkout, devices…) register what they hold about a shopper here at bootstrap, so the
export is one document and erasure runs in the same transaction everywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Exporter = Callable[[Any, str], Awaitable[Any]]
Eraser = Callable[[Any, str], Awaitable[None]]


@dataclass
class PersonalDataRegistry:
    """Named export sections and erasure steps, each taking ``(uow, shopper_id)``."""

    exporters: dict[str, Exporter] = field(default_factory=dict)
    erasers: dict[str, Eraser] = field(default_factory=dict)

    def add_exporter(self, section: str, exporter: Exporter) -> None:
        """Register the export section ``section``."""
        if section in self.exporters:
            raise ValueError(f"export section {section!r} registered twice")
        self.exporters[section] = exporter

    def add_eraser(self, name: str, eraser: Eraser) -> None:
        """Register an erasure step run inside the erasure transaction."""
        if name in self.erasers:
            raise ValueError(f"eraser {name!r} registered twice")
        self.erasers[name] = eraser
