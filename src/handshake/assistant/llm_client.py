"""A client for any OpenAI-compatible chat endpoint (a local llama.cpp server, a hosted API).

It only carries messages: the model's tool calls come back as data for the policy to check and
run through the same guarded tools as the rule-based dialogue. Every failure of the endpoint
(HTTP error, timeout, a body that is not the expected JSON) is one error, so the caller can
fall back to the rules.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from handshake.assistant.llm_errors import LanguageModelUnavailable
from handshake.settings import AssistantSettings
from handshake.webhooks.loop_client import PerLoopClient

INVALID_ARGUMENTS = "__invalid__"


@dataclass(frozen=True)
class ModelToolCall:
    """A tool the model asked for; unreadable arguments arrive as ``{"__invalid__": raw}``."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ModelTurn:
    """What the model answered: text, tool calls, or both."""

    text: str
    tool_calls: list[ModelToolCall] = field(default_factory=list)

    def as_message(self) -> dict[str, Any]:
        """The turn as the assistant message to send back with the tool results."""
        # OpenAI's form: no content (null) beside tool calls when the model said nothing.
        content = self.text or (None if self.tool_calls else "")
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
                }
                for call in self.tool_calls
            ]
        return message


class ChatModel:
    """Posts chat completions to ``{base_url}/chat/completions``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout = timeout
        headers = {"user-agent": "handshake-assistant/1"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._http = PerLoopClient(
            lambda: httpx.AsyncClient(
                transport=transport, timeout=httpx.Timeout(timeout), headers=headers,
                follow_redirects=False,
            )
        )  # fmt: skip

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelTurn:
        """The model's next turn; :class:`LanguageModelUnavailable` on any failure."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if tools:  # OpenAI refuses tool_choice without tools
            body["tools"], body["tool_choice"] = tools, "auto"
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._http.get().post(self.url, json=body)
        except TimeoutError:
            raise LanguageModelUnavailable(
                f"The language model did not answer within {self.timeout:g} s."
            ) from None
        except (httpx.HTTPError, OSError) as exc:
            raise LanguageModelUnavailable(
                f"The language model could not be reached ({type(exc).__name__})."
            ) from None
        if response.status_code != 200:
            raise LanguageModelUnavailable(
                f"The language model answered HTTP {response.status_code}."
            )
        try:
            return model_turn(response.json())
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise LanguageModelUnavailable("The language model's answer is malformed.") from None

    async def aclose(self) -> None:
        """Close the connections of the running loop's client."""
        await self._http.aclose()


def model_turn(body: Any) -> ModelTurn:
    """The turn in a chat-completions body; raises ValueError/KeyError/TypeError when malformed."""
    message = body["choices"][0]["message"]
    text = message.get("content") or ""
    if not isinstance(text, str):
        raise TypeError("content is not text")
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise TypeError("tool_calls is not a list")
    return ModelTurn(text=text, tool_calls=[_tool_call(i, call) for i, call in enumerate(calls)])


def _tool_call(position: int, call: Any) -> ModelToolCall:
    function = call["function"]
    name = function["name"]
    if not isinstance(name, str):
        raise TypeError("tool name is not text")
    call_id = call.get("id")
    return ModelToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{position}",
        name=name,
        arguments=_arguments(function.get("arguments")),
    )


def _arguments(raw: Any) -> dict[str, Any]:
    """Arguments as a dict; anything unreadable is passed on marked, for validation to refuse."""
    if isinstance(raw, dict):  # some servers send an object rather than a JSON string
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}  # a call without arguments (start_checkout) is often sent as ""
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {INVALID_ARGUMENTS: raw if isinstance(raw, str) else json.dumps(raw)}


def chat_model_from_settings(
    settings: AssistantSettings, transport: httpx.AsyncBaseTransport | None = None
) -> ChatModel | None:
    """The configured model, or None when no ``llm_url`` is set (the rules answer alone)."""
    if not settings.llm_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return ChatModel(
        settings.llm_url, settings.llm_model, key, settings.llm_timeout_seconds, transport
    )
