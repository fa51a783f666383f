"""What ThermoCo actually sent to the platform, per device and data type, for the live view.

Change reports are seen on their way out (an httpx response hook on accepted gateway posts);
directive answers (commands, state reports) as the directive handler returns them.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from handshake.connector.directives import DirectiveHandler, Refusal, parse_directive
from handshake.connector.grants import GrantCache
from handshake.connector.messages import key_of
from handshake.connector.publisher import EVENTS_PATH
from handshake.kernel import clock

HOW = {"ChangeReport": "stream_changes", "StateReport": "query_current",
       "Response": "report_on_command"}  # fmt: skip


@dataclass(frozen=True)
class SentValue:
    """A value the platform received, when, and in which mode."""

    value: Any
    at: datetime
    how: str


def shown(value: Any) -> str:
    """An Alexa value as people read it (``{"value": 21.5, "scale": "CELSIUS"}`` → 21.5 °C)."""
    if isinstance(value, dict) and "value" in value:
        unit = {"CELSIUS": " °C", "FAHRENHEIT": " °F"}.get(str(value.get("scale")), "")
        return f"{value['value']}{unit}"
    return str(value)


class SentLog:
    """The last value of each (device, data type) the platform received from ThermoCo."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], SentValue] = {}
        self.reports = 0  # change reports the gateway accepted

    def record(self, device_id: str, properties: list[Any], how: str) -> None:
        """Properties that left ThermoCo for ``device_id``."""
        for prop in properties:
            key = key_of(prop) if isinstance(prop, dict) else None
            if key is not None:
                self.last[(device_id, key)] = SentValue(prop.get("value"), clock.now(), how)

    def record_event(self, document: dict[str, Any]) -> None:
        """One ChangeReport, StateReport or command answer."""
        event = document.get("event") or {}
        name = str((event.get("header") or {}).get("name"))
        device_id = (event.get("endpoint") or {}).get("endpointId")
        if name not in HOW or not isinstance(device_id, str):
            return
        changed = ((event.get("payload") or {}).get("change") or {}).get("properties") or []
        context = (document.get("context") or {}).get("properties") or []
        self.record(device_id, [*context, *changed], HOW[name])
        self.reports += name == "ChangeReport"

    async def observe(self, response: httpx.Response) -> None:
        """httpx response hook: gateway posts the platform accepted."""
        request = response.request
        if request.method != "POST" or not request.url.path.endswith(EVENTS_PATH):
            return
        if response.status_code != 202:
            return
        body = json.loads(request.content)
        for document in body.get("events", [body]):
            self.record_event(document)


class RecordingDirectives(DirectiveHandler):
    """The connector's directive handler, noting what each answer disclosed."""

    def __init__(self, sent: SentLog, *, grants: GrantCache, **kwargs: Any) -> None:
        super().__init__(grants=grants, **kwargs)
        self.sent, self.grant_cache = sent, grants

    async def handle(self, document: Any) -> dict[str, Any]:
        """The answer, as the connector builds it, under the grant as it is now; recorded."""
        with contextlib.suppress(Refusal):
            # The shopper acts right after changing consent: never judge by a stale copy.
            subject = parse_directive(document).subject
            if subject is not None:
                self.grant_cache.invalidate(subject)
        answer = await super().handle(document)
        self.sent.record_event(answer)
        return answer
