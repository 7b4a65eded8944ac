"""The LLM stage against an OpenAI-compatible server on loopback: answers, faults, fallback.

The real langchain-openai and openai clients talk HTTP to tests/integration/llm_server.py;
nothing of ours is patched.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from models import EntityKind, Stage
from tests.integration.llm_server import Delay, Drop, LlmServer, Reply, Status, Step, Text
from tests.integration.llm_support import ANSWER, ORDER_MAIL, llm_runtime, llm_settings, mail
from triage.config import ClassifySettings, Settings
from triage.runtime import build_cascade, build_runtime

pytestmark = pytest.mark.integration
DEADLINE = 2.0


def test_llm_answer_decides_and_its_cost_is_recorded(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    llm.script(Reply(ANSWER, prompt_tokens=321, completion_tokens=45))
    settings = llm_settings(llm, tmp_path, trained_model_dir, database_url)
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail())
        assert runtime.llm is not None
        assert runtime.llm.service.store.tokens_for(signal.message_id or "") == 366

    assert signal.decided_by is Stage.LLM and signal.intent == "order_status"
    assert not signal.fallback and signal.summary == ANSWER["summary"]
    stage = signal.stages[-1]
    assert stage.llm is not None and stage.llm.model == "test-model"
    assert stage.llm.prompt_version.startswith("classify@")
    assert (stage.llm.tokens_in, stage.llm.tokens_out) == (321, 45)
    assert stage.llm.latency_ms > 0
    assert "llm:test-model@classify@" in signal.model_version
    # The mail's own S00042 is kept; the invented S99999 is not in the mail and is dropped.
    assert [e.value for e in stage.entities] == []
    assert "dropped 1 entities" in stage.reason
    assert all(e.value != "S99999" for e in signal.entities)
    request = llm.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert request["temperature"] == 0
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "order_status: Customer asks where an order is" in system
    assert user.count("<<<UNTRUSTED ") == 1 and ORDER_MAIL in user


FAULTS: list[tuple[str, list[Step], str]] = [
    ("slow", [Delay(10)], "timeout"),
    ("dropped", [Drop(), Drop(), Drop()], "connection"),
    ("rate limited past the deadline", [Status(429, retry_after=30)], "rate_limited"),
    ("server error", [Status(500), Status(500), Status(500)], "server_error"),
    ("not JSON", [Text("This looks like an order status question to me.")], "bad_output"),
    ("null fields", [Reply({**ANSWER, "urgency": None, "summary": None})], "bad_output"),
    (
        "intent not in the taxonomy",
        [Reply({**ANSWER, "intents": [{"intent": "approve_refund", "confidence": 1.0}]})],
        "bad_output",
    ),
    ("wrong type", [Reply({**ANSWER, "intents": "order_status"})], "bad_output"),
]


@pytest.mark.parametrize(("steps", "reason"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_fault_falls_back_to_the_classical_answer_within_the_deadline(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, steps: list[Step], reason: str
) -> None:
    llm.script(*steps)
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        started = time.monotonic()
        signal = runtime.cascade.classify(mail())
        elapsed = time.monotonic() - started

    assert elapsed < DEADLINE + 0.5
    assert signal.fallback and signal.fallback_reason.startswith(f"{reason}:")
    assert signal.decided_by in {Stage.CLASSICAL, Stage.RULES}
    assert signal.intent == signal.stages[1].intents[0].intent  # the classical answer
    failed = signal.stages[-1]
    assert failed.stage is Stage.LLM and failed.failed and not failed.intents
    if reason == "bad_output":
        assert failed.llm is not None and failed.llm.raw_output  # kept for review


def test_fenced_json_is_accepted(llm: LlmServer, tmp_path: Path, trained_model_dir: Path) -> None:
    llm.script(Text(f"Here you go:\n```json\n{json.dumps(ANSWER)}\n```"))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        signal = runtime.cascade.classify(mail())
    assert signal.decided_by is Stage.LLM and not signal.fallback


def test_retry_after_is_honoured(llm: LlmServer, tmp_path: Path, trained_model_dir: Path) -> None:
    llm.script(Status(429, retry_after=0.4), Reply(ANSWER))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        started = time.monotonic()
        signal = runtime.cascade.classify(mail())
    assert time.monotonic() - started >= 0.4
    assert llm.calls == 2 and signal.decided_by is Stage.LLM


def test_servers_without_json_schema_or_tools_still_give_structured_answers(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    llm.supports_json_schema = False
    llm.respond_with(lambda body: Reply(ANSWER))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        first = runtime.cascade.classify(mail())
        llm.supports_tools = False
        second = runtime.cascade.classify(mail(ORDER_MAIL + " Regards."))
    assert first.decided_by is Stage.LLM and second.decided_by is Stage.LLM
    kinds = [
        "json_schema" if "response_format" in r else "tools" if "tools" in r else "plain"
        for r in llm.requests
    ]
    assert kinds == ["json_schema", "tools", "tools", "plain"]


def test_breaker_opens_after_repeated_failures_and_probes_again(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = llm_settings(llm, tmp_path, trained_model_dir, max_retries=0, breaker_failures=2)
    llm.script(Status(500), Status(500))
    with llm_runtime(settings) as runtime:
        assert runtime.llm is not None
        service = runtime.llm.service
        reasons = [
            runtime.cascade.classify(mail(f"{ORDER_MAIL} {i}")).fallback_reason for i in range(2)
        ]
        assert all(r.startswith("server_error:") for r in reasons)
        assert service.breaker_state == "open"

        started = time.monotonic()
        signal = runtime.cascade.classify(mail(f"{ORDER_MAIL} 3"))
        assert time.monotonic() - started < 0.2
        assert signal.fallback_reason.startswith("breaker_open:") and llm.calls == 2

        time.sleep(0.6)  # past breaker_reset_seconds: one probe goes through
        llm.script(Status(500))
        probe = runtime.cascade.classify(mail(f"{ORDER_MAIL} 4"))
        assert probe.fallback_reason.startswith("server_error:") and service.breaker_state == "open"

        time.sleep(0.6)
        llm.script(Reply(ANSWER))
        healed = runtime.cascade.classify(mail(f"{ORDER_MAIL} 5"))
        assert healed.decided_by is Stage.LLM and service.breaker_state == "closed"
        assert service.stats.fallbacks["breaker_open"] == 1


def test_daily_budget_stops_calls(llm: LlmServer, tmp_path: Path, trained_model_dir: Path) -> None:
    llm.respond_with(lambda body: Reply(ANSWER, prompt_tokens=400, completion_tokens=40))
    settings = llm_settings(llm, tmp_path, trained_model_dir, daily_token_budget=1_000)
    with llm_runtime(settings) as runtime:
        signals = [runtime.cascade.classify(mail(f"{ORDER_MAIL} #{i}")) for i in range(4)]
    assert [s.decided_by for s in signals[:3]] == [Stage.LLM] * 3
    assert signals[3].fallback_reason.startswith("budget: daily token budget spent (1320")
    assert llm.calls == 3


def test_per_message_ceiling_refuses_a_long_mail_without_calling(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    settings = llm_settings(llm, tmp_path, trained_model_dir, message_token_ceiling=1_000)
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail(ORDER_MAIL + " More details." * 400))
    assert signal.fallback_reason.startswith("budget:") and llm.calls == 0


def test_duplicate_mail_is_answered_from_the_cache(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    llm.respond_with(lambda body: Reply(ANSWER))
    settings = llm_settings(llm, tmp_path, trained_model_dir, database_url)
    with llm_runtime(settings) as runtime:
        first = runtime.cascade.classify(mail())
        again = runtime.cascade.classify(mail(ORDER_MAIL.upper().replace(" ", "  ")))
        assert runtime.llm is not None and runtime.llm.service.stats.cache_hits["classify"] == 1
    assert llm.calls == 1
    cached = again.stages[-1].llm
    assert cached is not None and cached.cached and cached.tokens_in == 0
    assert again.intents[0].intent == first.intents[0].intent


def test_disagreement_with_a_confident_classical_answer_goes_to_review(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    text = "Where is my order S00042? It has still not arrived. Please send the tracking number."
    complaint = {**ANSWER, "intents": [{"intent": "complaint", "confidence": 0.8}]}
    llm.script(Reply(complaint))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        signal = runtime.cascade.classify(mail(text))
    classical = signal.stages[1]
    assert classical.certain, f"precondition: the model should be sure here ({classical.reason})"
    assert signal.needs_review
    assert "LLM says complaint (0.80)" in signal.review_reason
    assert f"classical model says {classical.intents[0].intent}" in signal.review_reason
    assert {i.intent for i in signal.intents} >= {"complaint", classical.intents[0].intent}


def test_the_llm_is_not_called_when_no_trigger_fires(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    text = "Where is my order S00042? It has still not arrived. Please send the tracking number."
    settings = llm_settings(llm, tmp_path, trained_model_dir)
    settings.llm.run_when.long_chars = 0
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail(text))
    assert signal.decided_by is Stage.CLASSICAL and llm.calls == 0
    assert [s.stage for s in signal.stages] == [Stage.RULES, Stage.CLASSICAL]


def test_supplier_mail_gets_extracted_entities(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    text = (
        "Dear buyer, regarding your P00017: the 120 pcs of Espresso cup 90ml will now ship on "
        "20 March 2025 instead of 10 March. Your reference PO-7781. Sorry for the delay."
    )
    delay = {**ANSWER, "intents": [{"intent": "supplier_delay", "confidence": 0.95}]}
    extracted = {
        "entities": [
            {"kind": "customer_po", "text": "PO-7781"},
            {"kind": "quantity", "text": "120 pcs", "value": "120"},
            {"kind": "product_name", "text": "Espresso cup 90ml"},
            {"kind": "product_name", "text": "Cappuccino cup 200ml"},  # not in the mail
        ]
    }
    llm.script(Reply(delay), Reply(extracted))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir)) as runtime:
        signal = runtime.cascade.classify(mail(text, "P00017 delay", "sales@supplier.example"))
    assert signal.intent == "supplier_delay"
    found = {(e.kind, e.value) for e in signal.entities if e.extra.get("source") == "llm"}
    assert found == {
        (EntityKind.CUSTOMER_PO, "PO-7781"),
        (EntityKind.QUANTITY, "120"),
        (EntityKind.PRODUCT_NAME, "Espresso cup 90ml"),
    }
    assert llm.requests[1]["messages"][0]["content"].startswith("You extract facts")


def test_batch_classification_calls_the_llm_concurrently(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    llm.respond_with(lambda body: Delay(0.5, Reply(ANSWER)))
    with llm_runtime(llm_settings(llm, tmp_path, trained_model_dir, concurrency=4)) as runtime:
        started = time.monotonic()
        signals = runtime.cascade.classify_many([mail(f"{ORDER_MAIL} {i}") for i in range(4)])
        elapsed = time.monotonic() - started
    assert all(s.decided_by is Stage.LLM for s in signals)
    assert elapsed < 1.5  # four half-second calls side by side, not one after another


def test_without_an_llm_the_cascade_is_unchanged(tmp_path: Path, trained_model_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path, classify=ClassifySettings(model_dir=trained_model_dir))
    runtime = build_runtime(settings)
    try:
        assert runtime.llm is None and runtime.cascade.llm is None
        message = mail()
        plain = build_cascade(settings).classify(message)
        assert runtime.cascade.classify(message) == plain
        assert not plain.fallback and all(s.llm is None for s in plain.stages)
    finally:
        runtime.engine.dispose()


def _metric(text: str, name: str) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name):
            key, _, value = line.rpartition(" ")
            values[key] = float(value)
    return values


def test_metrics_show_calls_tokens_cache_fallbacks_and_breaker(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = llm_settings(llm, tmp_path, trained_model_dir, max_retries=0)
    settings.api.api_key = None
    llm.script(Reply(ANSWER, prompt_tokens=100, completion_tokens=10), Status(500))
    app = create_app(settings)
    with TestClient(app) as client:
        key = app.state.runtime.keys.create("metrics-test")
        headers = {"Authorization": f"Bearer {key}"}
        body: dict[str, Any] = {"text": ORDER_MAIL, "subject": "Order S00042"}
        for text in (ORDER_MAIL, ORDER_MAIL, ORDER_MAIL + " again"):
            assert (
                client.post(
                    "/v1/classify", json={**body, "text": text}, headers=headers
                ).status_code
                == 200
            )
        metrics = client.get("/metrics", headers=headers).text
    assert (
        _metric(metrics, "triage_llm_calls_total")[
            'triage_llm_calls_total{outcome="ok",task="classify"}'
        ]
        == 1
    )
    assert _metric(metrics, "triage_llm_tokens_total") == {
        'triage_llm_tokens_total{kind="input"}': 100,
        'triage_llm_tokens_total{kind="output"}': 10,
    }
    assert _metric(metrics, "triage_llm_cache_hits_total") == {
        'triage_llm_cache_hits_total{task="classify"}': 1
    }
    assert _metric(metrics, "triage_llm_fallbacks_total") == {
        'triage_llm_fallbacks_total{reason="server_error"}': 1
    }
    assert (
        _metric(metrics, "triage_llm_breaker_state")['triage_llm_breaker_state{state="closed"}']
        == 1
    )
