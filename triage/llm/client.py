"""The LLM adapter: langchain-openai's ChatOpenAI against any OpenAI-compatible server.

One call = structured output (JSON schema, else tool calling, else plain JSON), a hard
deadline over all attempts, a bounded retry that honours Retry-After, and a concurrency
limit. Vendor errors are translated here; nothing above sees an `openai` exception.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import openai
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ModelRefusalError, OutputParserException
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import JsonOutputParser
from langchain_core.outputs import LLMResult
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import SecretStr, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from prompts import Rendered
from triage.errors import LlmBadOutput, LlmError, LlmUnavailable
from triage.llm.reply import LlmReply

log = logging.getLogger(__name__)

Mode = Literal["json_schema", "function_calling", "json"]
_MODES: tuple[Mode, ...] = ("json_schema", "function_calling", "json")
_TRANSIENT = frozenset({"timeout", "connection", "rate_limited", "server_error"})
_backoff = wait_exponential_jitter(multiplier=0.5, max=4.0)


class _Capture(BaseCallbackHandler):
    """Keeps the model's last message: its text, tool calls and token usage."""

    def __init__(self) -> None:
        self.message: AIMessage | None = None

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """Remember the generated message."""
        generation = response.generations[0][0] if response.generations else None
        message = getattr(generation, "message", None)
        if isinstance(message, AIMessage):
            self.message = message


class LlmClient:
    """Calls one model with one prompt and returns a validated, schema-shaped answer."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None,
        *,
        temperature: float = 0.0,
        deadline: float = 20.0,
        max_retries: int = 2,
        max_output_tokens: int = 800,
        mode: Literal["auto", "json_schema", "function_calling", "json"] = "auto",
        limit: threading.BoundedSemaphore | None = None,
    ) -> None:
        self.model = model
        self.deadline = deadline
        self.max_retries = max_retries
        self._modes: tuple[Mode, ...] = _MODES if mode == "auto" else (mode,)
        self._limit = limit or threading.BoundedSemaphore(4)
        self._chat = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=api_key or SecretStr("not-needed"),
            temperature=temperature,
            timeout=deadline,
            max_retries=0,
            max_tokens=max_output_tokens,
        )

    def complete(self, prompt: Rendered) -> LlmReply:
        """One validated answer within the deadline, or LlmUnavailable / LlmBadOutput."""
        started = time.monotonic()
        if not self._limit.acquire(timeout=self.deadline):
            raise LlmUnavailable("every LLM slot stayed busy until the deadline", "busy")
        try:
            retrying = Retrying(
                stop=stop_after_attempt(self.max_retries + 1) | stop_before_delay(self.deadline),
                wait=_wait,
                retry=retry_if_exception(_is_transient),
                reraise=True,
            )
            for attempt in retrying:
                with attempt:
                    remaining = self.deadline - (time.monotonic() - started)
                    if remaining <= 0.05:
                        raise LlmUnavailable("the deadline passed before an answer", "timeout")
                    return self._attempt(prompt, remaining, started)
        finally:
            self._limit.release()
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _attempt(self, prompt: Rendered, timeout: float, started: float) -> LlmReply:
        messages: list[BaseMessage] = [
            SystemMessage(content=prompt.system),
            HumanMessage(content=prompt.user),
        ]
        for mode in self._modes:
            capture = _Capture()
            try:
                parsed = self._runnable(prompt, mode).invoke(
                    messages, config={"callbacks": [capture]}, timeout=timeout
                )
            except openai.BadRequestError as exc:
                if mode == self._modes[-1]:
                    raise _translate(exc) from exc
                log.info("LLM server refused %s output (%s); trying the next way", mode, exc)
                self._modes = self._modes[1:]
                continue
            except OutputParserException as exc:
                raise LlmBadOutput(f"answer is not JSON: {exc}", _raw(capture, exc)) from exc
            except ModelRefusalError as exc:
                raise LlmBadOutput(f"the model refused: {exc}", _raw(capture, None)) from exc
            except openai.OpenAIError as exc:
                raise _translate(exc) from exc
            return self._reply(prompt, parsed, capture, started)
        raise LlmUnavailable("no structured-output mode is accepted by the server", "refused")

    def _runnable(self, prompt: Rendered, mode: Mode) -> Runnable[Any, Any]:
        schema = prompt.schema.model_json_schema()
        if mode == "json":
            return self._chat | JsonOutputParser()
        return self._chat.with_structured_output(schema, method=mode)

    def _reply(
        self, prompt: Rendered, parsed: object, capture: _Capture, started: float
    ) -> LlmReply:
        raw = _raw(capture, None) or json.dumps(parsed, default=str)
        if not isinstance(parsed, dict):
            raise LlmBadOutput("answer is not a JSON object", raw)
        try:
            output = prompt.schema.model_validate(parsed)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'answer'}: {e['msg']}" for e in exc.errors()
            )
            raise LlmBadOutput(f"answer does not fit the schema: {problems}", raw) from exc
        usage = capture.message.usage_metadata if capture.message else None
        meta = capture.message.response_metadata if capture.message else {}
        return LlmReply(
            output=output,
            raw=raw,
            model=str(meta.get("model_name") or self.model),
            tokens_in=usage["input_tokens"] if usage else 0,
            tokens_out=usage["output_tokens"] if usage else 0,
            latency_ms=(time.monotonic() - started) * 1000,
        )


def _raw(capture: _Capture, exc: OutputParserException | None) -> str:
    """The model's own text: tool-call arguments, else content, else the parser's copy."""
    message = capture.message
    if message is not None and message.tool_calls:
        return json.dumps(message.tool_calls[0]["args"])
    if message is not None and isinstance(message.content, str) and message.content:
        return message.content
    return str(exc.llm_output or "") if exc is not None else ""


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, LlmUnavailable) and exc.reason in _TRANSIENT


def _wait(state: RetryCallState) -> float:
    """Retry-After when the server sent one, else exponential backoff with jitter."""
    exc = state.outcome.exception() if state.outcome else None
    after = getattr(exc, "retry_after", None)
    return float(after) if after is not None else _backoff(state)


def _translate(exc: openai.OpenAIError) -> LlmError:
    """Our error for a vendor one, with a machine-readable reason."""
    if isinstance(exc, openai.APITimeoutError):
        return LlmUnavailable("the LLM did not answer in time", "timeout")
    if isinstance(exc, openai.APIConnectionError):
        return LlmUnavailable(f"cannot reach the LLM server: {exc}", "connection")
    if isinstance(exc, openai.RateLimitError):
        error = LlmUnavailable("the LLM server is rate-limiting (429)", "rate_limited")
        error.retry_after = _retry_after(exc.response.headers.get("retry-after"))
        return error
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LlmUnavailable(f"the LLM server failed ({exc.status_code})", "server_error")
    if isinstance(exc, openai.APIStatusError):
        return LlmUnavailable(f"the LLM server refused ({exc.status_code}): {exc}", "refused")
    return LlmUnavailable(f"LLM call failed: {exc}", "connection")


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
