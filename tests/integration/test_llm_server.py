"""The OpenAI-compatible test server driven over HTTP by the real openai client and ChatOpenAI."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from tests.integration.llm_server import Delay, Drop, LlmServer, Reply, Status, Text

pytestmark = pytest.mark.integration

MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]


class Verdict(BaseModel):
    """A structured answer as the classifier would ask for it."""

    intent: str
    confidence: float


VERDICT = {"intent": "order", "confidence": 0.9}


@pytest.fixture
def llm_server() -> Iterator[LlmServer]:
    """A started LlmServer of its own for one test, stopped afterwards."""
    with LlmServer() as server:
        yield server


def _client(server: LlmServer, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, **options)


def _create(client: openai.OpenAI, **options: Any) -> Any:
    return client.chat.completions.create(model="m", messages=MESSAGES, **options)


def _structured(
    server: LlmServer, method: Literal["function_calling", "json_schema"]
) -> dict[str, Any]:
    """Invoke ChatOpenAI.with_structured_output(Verdict, method, include_raw=True) on 'hi'."""
    with openai.DefaultHttpxClient() as http:  # closed here, not cached by langchain
        chat = ChatOpenAI(
            base_url=server.url, api_key="x", model="m", max_retries=0, http_client=http
        )
        runnable = chat.with_structured_output(Verdict, method=method, include_raw=True)
        result = runnable.invoke("hi")
    assert isinstance(result, dict)
    return result


# -- answers -------------------------------------------------------------------------------------


def test_plain_reply_content_and_usage(llm_server: LlmServer) -> None:
    llm_server.script(Reply("Hello there, how can I help?", prompt_tokens=12))
    with _client(llm_server) as client:
        completion = _create(client)
    assert completion.choices[0].message.content == "Hello there, how can I help?"
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "m"
    assert completion.id == "chatcmpl-1"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 12
    assert completion.usage.completion_tokens == len("Hello there, how can I help?") // 4
    assert completion.usage.total_tokens == 12 + completion.usage.completion_tokens
    assert llm_server.calls == 1
    assert llm_server.requests[0]["messages"] == MESSAGES


def test_default_usage_model_and_json_encoded_dict(llm_server: LlmServer) -> None:
    llm_server.script(Reply(VERDICT, model="gpt-test"))
    with _client(llm_server) as client:
        completion = _create(client)
    assert json.loads(completion.choices[0].message.content) == VERDICT
    assert completion.model == "gpt-test"
    assert completion.usage.prompt_tokens == len(json.dumps(MESSAGES)) // 4
    assert completion.usage.completion_tokens == len(json.dumps(VERDICT)) // 4


def test_json_schema_structured_output(llm_server: LlmServer) -> None:
    llm_server.script(Reply(VERDICT))
    result = _structured(llm_server, "json_schema")
    assert result["parsed"] == Verdict(intent="order", confidence=0.9)
    assert result["parsing_error"] is None
    assert llm_server.requests[0]["response_format"]["type"] == "json_schema"
    assert "tools" not in llm_server.requests[0]


def test_function_calling_structured_output(llm_server: LlmServer) -> None:
    llm_server.script(Reply(VERDICT))
    result = _structured(llm_server, "function_calling")
    assert result["parsed"] == Verdict(intent="order", confidence=0.9)
    request = llm_server.requests[0]
    assert [tool["function"]["name"] for tool in request["tools"]] == ["Verdict"]
    assert result["raw"].tool_calls[0]["name"] == "Verdict"


def test_json_object_mode_returns_json_content(llm_server: LlmServer) -> None:
    llm_server.script(Reply([1, 2, 3]))
    with _client(llm_server) as client:
        completion = _create(client, response_format={"type": "json_object"})
    assert completion.choices[0].message.content == "[1, 2, 3]"


def test_tool_call_uses_the_tool_named_by_tool_choice(llm_server: LlmServer) -> None:
    tools: list[Any] = [
        {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
        for name in ("first", "second")
    ]
    llm_server.script(Reply({"a": 1}), Reply({"b": 2}))
    with _client(llm_server) as client:
        named = _create(
            client, tools=tools, tool_choice={"type": "function", "function": {"name": "second"}}
        )
        default = _create(client, tools=tools)
    (call,) = named.choices[0].message.tool_calls
    assert (call.id, call.type, call.function.name) == ("call_1", "function", "second")
    assert json.loads(call.function.arguments) == {"a": 1}
    assert named.choices[0].message.content is None
    assert named.choices[0].finish_reason == "tool_calls"
    assert default.choices[0].message.tool_calls[0].function.name == "first"


def test_text_is_returned_verbatim(llm_server: LlmServer) -> None:
    fenced = '```json\n{"intent": "order"}\n```'
    tools: list[Any] = [{"type": "function", "function": {"name": "f", "parameters": {}}}]
    llm_server.script(Text(fenced), Text(fenced))
    with _client(llm_server) as client:
        plain = _create(client, response_format={"type": "json_object"})
        with_tools = _create(client, tools=tools)
    assert plain.choices[0].message.content == fenced
    assert with_tools.choices[0].message.content == fenced
    assert with_tools.choices[0].message.tool_calls is None


def test_default_responder_reset_and_empty_queue(llm_server: LlmServer) -> None:
    with _client(llm_server) as client:
        assert _create(client).choices[0].message.content == "{}"
        llm_server.respond_with(lambda body: Text(f"echo {body['messages'][0]['content']}"))
        llm_server.script(Reply("scripted"))
        assert _create(client).choices[0].message.content == "scripted"
        assert _create(client).choices[0].message.content == "echo hi"
        llm_server.supports_tools = False
        llm_server.reset()
        assert (llm_server.calls, llm_server.supports_tools) == (0, True)
        assert _create(client).choices[0].message.content == "{}"


# -- errors and faults ---------------------------------------------------------------------------


def test_json_schema_unsupported_is_a_bad_request(llm_server: LlmServer) -> None:
    llm_server.supports_json_schema = False
    llm_server.script(Reply(VERDICT))
    schema = {"name": "v", "schema": {"type": "object"}}
    with _client(llm_server) as client:
        with pytest.raises(openai.BadRequestError) as exc:
            _create(client, response_format={"type": "json_schema", "json_schema": schema})
        assert exc.value.status_code == 400
        assert "json_schema is not supported" in exc.value.message
        # The rejection consumed no step: the fallback request gets the scripted reply.
        fallback = _create(client, response_format={"type": "json_object"})
    assert json.loads(fallback.choices[0].message.content) == VERDICT
    assert llm_server.calls == 2


def test_tools_unsupported_is_a_bad_request(llm_server: LlmServer) -> None:
    llm_server.supports_tools = False
    with pytest.raises(openai.BadRequestError):
        _structured(llm_server, "function_calling")


def test_rate_limit_with_retry_after(llm_server: LlmServer) -> None:
    llm_server.script(Status(429, retry_after=1, message="slow down"))
    with _client(llm_server) as client:
        with pytest.raises(openai.RateLimitError) as exc:
            _create(client)
    assert exc.value.response.headers["retry-after"] == "1"
    assert exc.value.message.endswith("slow down")
    assert exc.value.body == {
        "message": "slow down",
        "type": "rate_limit_error",
        "param": None,
        "code": None,
    }


def test_server_error(llm_server: LlmServer) -> None:
    llm_server.script(Status(500), Reply("after the error"))
    with _client(llm_server) as client:
        with pytest.raises(openai.InternalServerError):
            _create(client)
        assert _create(client).choices[0].message.content == "after the error"


def test_drop_is_a_connection_error(llm_server: LlmServer) -> None:
    with _client(llm_server) as client:
        assert _create(client).choices[0].message.content == "{}"  # a kept-alive connection
        llm_server.script(Drop(), Reply("next"))
        with pytest.raises(openai.APIConnectionError):
            _create(client)
        assert _create(client).choices[0].message.content == "next"


def test_delay_beyond_the_client_timeout(llm_server: LlmServer) -> None:
    llm_server.script(Delay(2, Reply("late")))
    started = time.monotonic()
    with _client(llm_server, timeout=0.5) as client:
        with pytest.raises(openai.APITimeoutError):
            _create(client)
    assert time.monotonic() - started < 1.5


def test_delay_does_not_block_other_requests(llm_server: LlmServer) -> None:
    llm_server.script(Delay(1, Reply("slow")), Reply("fast"))
    answers: list[str] = []
    with _client(llm_server) as client:
        slow = threading.Thread(
            target=lambda: answers.append(_create(client).choices[0].message.content)
        )
        slow.start()
        while llm_server.calls < 1:
            time.sleep(0.01)
        started = time.monotonic()
        assert _create(client).choices[0].message.content == "fast"
        assert time.monotonic() - started < 0.5
        slow.join()
    assert answers == ["slow"]


def test_stop_is_quick_while_a_delay_sleeps() -> None:
    server = LlmServer().start()
    server.script(Delay(30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            with _client(server) as client:
                _create(client)
        except openai.APIConnectionError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while server.calls < 1:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1
    caller.join(5)
    assert len(errors) == 1


# -- raw HTTP ------------------------------------------------------------------------------------


def test_models_not_found_and_not_json_over_one_connection(llm_server: LlmServer) -> None:
    with _client(llm_server) as client:
        assert [model.id for model in client.models.list()] == ["test-model"]
    conn = http.client.HTTPConnection("127.0.0.1", llm_server.port, timeout=5)
    try:

        def call(method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())

        status, body = call("GET", "/v1/nothing")
        assert (status, body["error"]["type"]) == (404, "invalid_request_error")
        status, body = call("POST", "/v1/chat/completions", b"{not json")
        assert status == 400 and "not valid JSON" in body["error"]["message"]
        stream = json.dumps({"model": "m", "messages": MESSAGES, "stream": True}).encode()
        assert call("POST", "/v1/chat/completions", stream)[0] == 400
        status, body = call("POST", "/v1/chat/completions", json.dumps({"model": "m"}).encode())
        assert (status, body["object"], body["system_fingerprint"]) == (
            200,
            "chat.completion",
            None,
        )
    finally:
        conn.close()
    assert llm_server.calls == 2  # the JSON bodies only
