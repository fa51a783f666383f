"""The OpenAI-compatible chat client against a scripted endpoint (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from handshake.assistant.llm_client import (
    ChatModel,
    ModelToolCall,
    ModelTurn,
    chat_model_from_settings,
)
from handshake.assistant.llm_errors import LanguageModelUnavailable
from handshake.kernel.errors import Unavailable
from handshake.settings import AssistantSettings

TOOLS = [{"type": "function", "function": {"name": "search", "parameters": {}}}]
MESSAGES = [{"role": "user", "content": "trail shoes"}]


def answer(message: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"choices": [{"index": 0, "message": message}]})


def tool_call(arguments: Any, call_id: str | None = "call_a") -> dict[str, Any]:
    call: dict[str, Any] = {"type": "function", "function": {"name": "search"}}
    if arguments is not None:
        call["function"]["arguments"] = arguments
    if call_id is not None:
        call["id"] = call_id
    return call


class Endpoint:
    """Answers every request with ``response`` and keeps the requests."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.response


def model_for(handler: Any, api_key: str | None = "sk-test", timeout: float = 5.0) -> ChatModel:
    return ChatModel(
        "http://llm.local/v1/",
        "tiny-model",
        api_key,
        timeout,
        transport=httpx.MockTransport(handler),
    )


async def test_posts_the_openai_request_and_reads_the_text() -> None:
    endpoint = Endpoint(answer({"role": "assistant", "content": "Hello there."}))
    turn = await model_for(endpoint).complete(MESSAGES, TOOLS)
    assert turn == ModelTurn(text="Hello there.", tool_calls=[])
    [request] = endpoint.requests
    assert request.method == "POST"
    assert str(request.url) == "http://llm.local/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == {
        "model": "tiny-model",
        "messages": MESSAGES,
        "tools": TOOLS,
        "tool_choice": "auto",
        "temperature": 0,
    }


async def test_no_key_no_authorization_and_no_tools_no_tool_choice() -> None:
    endpoint = Endpoint(answer({"role": "assistant", "content": "ok"}))
    await model_for(endpoint, api_key=None).complete(MESSAGES, [])
    [request] = endpoint.requests
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {
        "model": "tiny-model",
        "messages": MESSAGES,
        "temperature": 0,
    }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"query": "shoes", "limit": 2}', {"query": "shoes", "limit": 2}),
        ({"query": "shoes"}, {"query": "shoes"}),
        ("", {}),
        (None, {}),
        ("{query: shoes", {"__invalid__": "{query: shoes"}),
        ('["shoes"]', {"__invalid__": '["shoes"]'}),
        ("null", {"__invalid__": "null"}),
        (["shoes"], {"__invalid__": '["shoes"]'}),
    ],
)
async def test_tool_call_arguments(arguments: Any, expected: dict[str, Any]) -> None:
    endpoint = Endpoint(answer({"role": "assistant", "content": None,
                                "tool_calls": [tool_call(arguments)]}))  # fmt: skip
    turn = await model_for(endpoint).complete(MESSAGES, TOOLS)
    assert turn == ModelTurn(text="", tool_calls=[ModelToolCall("call_a", "search", expected)])


async def test_tool_calls_without_id_are_numbered() -> None:
    calls = [tool_call("{}", call_id=None), tool_call("{}", call_id="")]
    endpoint = Endpoint(answer({"role": "assistant", "content": "", "tool_calls": calls}))
    turn = await model_for(endpoint).complete(MESSAGES, TOOLS)
    assert [call.id for call in turn.tool_calls] == ["call_0", "call_1"]


def test_turn_as_message_round_trips_arguments() -> None:
    turn = ModelTurn(text="", tool_calls=[ModelToolCall("c1", "search", {"query": "é"})])
    assert turn.as_message() == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "search", "arguments": '{"query": "\\u00e9"}'},
            }
        ],
    }
    assert ModelTurn(text="Hi").as_message() == {"role": "assistant", "content": "Hi"}


def _raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def _raise_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


@pytest.mark.parametrize(
    ("handler", "detail"),
    [
        (Endpoint(httpx.Response(500, text="boom")), "The language model answered HTTP 500."),
        (Endpoint(httpx.Response(401, json={})), "The language model answered HTTP 401."),
        (_raise_timeout, "The language model could not be reached (ReadTimeout)."),
        (_raise_connect, "The language model could not be reached (ConnectError)."),
        (Endpoint(httpx.Response(200, text="<html>")), "The language model's answer is malformed."),
        (Endpoint(httpx.Response(200, json={"choices": []})),
         "The language model's answer is malformed."),
        (Endpoint(httpx.Response(200, json=["x"])), "The language model's answer is malformed."),
        (Endpoint(httpx.Response(200, json={"choices": [{"message": "hi"}]})),
         "The language model's answer is malformed."),
        (Endpoint(answer({"content": ["not", "text"]})),
         "The language model's answer is malformed."),
        (Endpoint(answer({"content": "", "tool_calls": [{"function": {"name": 3}}]})),
         "The language model's answer is malformed."),
        (Endpoint(answer({"content": "", "tool_calls": [{"id": "x"}]})),
         "The language model's answer is malformed."),
    ],
)  # fmt: skip
async def test_failures_are_one_unavailable_error(handler: Any, detail: str) -> None:
    with pytest.raises(LanguageModelUnavailable) as raised:
        await model_for(handler).complete(MESSAGES, TOOLS)
    assert raised.value.detail == detail
    assert raised.value.code == "language_model_unavailable"
    assert isinstance(raised.value, Unavailable)


async def test_overall_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(2)
        return answer({"content": "late"})

    with pytest.raises(LanguageModelUnavailable) as raised:
        await model_for(slow, timeout=0.05).complete(MESSAGES, TOOLS)
    assert raised.value.detail == "The language model did not answer within 0.05 s."


async def test_from_settings() -> None:
    assert chat_model_from_settings(AssistantSettings()) is None
    endpoint = Endpoint(answer({"content": "ok"}))
    settings = AssistantSettings(
        llm_url="http://127.0.0.1:8080/v1", llm_model="qwen", llm_api_key=SecretStr("k1"),
        llm_timeout_seconds=7,
    )  # fmt: skip
    model = chat_model_from_settings(settings, transport=httpx.MockTransport(endpoint))
    assert model is not None
    assert (model.url, model.model, model.timeout) == (
        "http://127.0.0.1:8080/v1/chat/completions", "qwen", 7
    )  # fmt: skip
    await model.complete(MESSAGES, TOOLS)
    assert endpoint.requests[0].headers["authorization"] == "Bearer k1"
    assert json.loads(endpoint.requests[0].content)["model"] == "qwen"
    await model.aclose()
