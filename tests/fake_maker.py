"""A fake device maker's directive endpoint: verifies signatures, records, answers as told."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handshake.devices.maker_client import MakerClient
from handshake.devices.policy import DevicesPolicy
from handshake.webhooks.targets import TargetGuard

URL = "https://maker.example/directives"


def alexa_prop(namespace: str, name: str, value: Any) -> dict[str, Any]:
    """An Alexa property object."""
    return {"namespace": namespace, "name": name, "value": value,
            "timeOfSample": "2026-11-30T07:00:00Z", "uncertaintyInMilliseconds": 500}  # fmt: skip


SETPOINT = alexa_prop(
    "Alexa.ThermostatController", "targetSetpoint", {"value": 21.0, "scale": "CELSIUS"}
)
TEMPERATURE = alexa_prop(
    "Alexa.TemperatureSensor", "temperature", {"value": 19.5, "scale": "CELSIUS"}
)
HUMIDITY = alexa_prop("Alexa.HumiditySensor", "relativeHumidity", {"value": 48})
CONNECTIVITY = alexa_prop("Alexa.EndpointHealth", "connectivity", {"value": "OK"})


def endpoint(device: str, *interfaces: tuple[str, str, bool, bool]) -> dict[str, Any]:
    """A discovery endpoint with (interface, property, retrievable, proactivelyReported)."""
    return {
        "endpointId": device, "friendlyName": f"Device {device}",
        "displayCategories": ["THERMOSTAT"],
        "capabilities": [
            {"type": "AlexaInterface", "interface": i, "version": "3",
             "properties": {"supported": [{"name": n}], "retrievable": r, "proactivelyReported": p}}
            for i, n, r, p in interfaces
        ],
    }  # fmt: skip


@dataclass
class FakeMaker:
    """Answers every directive with ``properties`` (or ``error``), recording what came."""

    secret: str = ""
    properties: list[dict[str, Any]] = field(default_factory=list)
    endpoints: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            return Response(status_code=401)
        directive = json.loads(body)["directive"]
        self.received.append(directive)
        header = directive["header"]
        return JSONResponse(self._answer(header, directive.get("endpoint", {})))

    def _answer(self, header: dict[str, Any], endpoint: dict[str, Any]) -> dict[str, Any]:
        token = header["correlationToken"]
        if header["name"] == "Discover":
            head = {"namespace": "Alexa.Discovery", "name": "Discover.Response",
                    "messageId": "a", "payloadVersion": "3"}  # fmt: skip
            return {"event": {"header": head, "payload": {"endpoints": self.endpoints}}}
        if self.error is not None:
            return {"event": {"header": {"namespace": "Alexa", "name": "ErrorResponse",
                                         "messageId": "a", "correlationToken": token,
                                         "payloadVersion": "3"},
                              "endpoint": endpoint,
                              "payload": {"type": self.error, "message": "refused"}}}  # fmt: skip
        name = "StateReport" if header["name"] == "ReportState" else "Response"
        return {
            "event": {"header": {"namespace": "Alexa", "name": name, "messageId": "a",
                                 "correlationToken": token, "payloadVersion": "3"},
                      "endpoint": {"endpointId": endpoint.get("endpointId")}, "payload": {}},
            "context": {"properties": self.properties},
        }  # fmt: skip

    def app(self) -> Starlette:
        """The maker's ASGI app."""
        return Starlette(routes=[Route("/directives", self._handle, methods=["POST"])])

    def install(self, app: Any) -> None:
        """Make the platform ``app`` call this fake for every maker URL."""
        transport = httpx.ASGITransport(app=self.app())
        client = MakerClient(guard=TargetGuard(allow_private=True), transport=transport)
        app.state.devices_policy = DevicesPolicy(client)
