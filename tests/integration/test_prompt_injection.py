"""Prompt injection: 40 hostile mails in six languages, answered by a compromised model.

The scripted server plays a model that obeys the mail: invented intents, extra fields such as
"actions" or "route_to", steered answers, leaked instructions, wrong shapes and invented
entities. Whatever it says, the signal must stay inside the taxonomy, carry nothing but a
signal (no actions: only the policy makes those), keep no invented entity, never repeat our
instructions, and send bank-detail changes to a person. Whatever the policy then proposes for
a signal the model decided waits for a person, and quotes the model's summary only labelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from models import Link, LinkResult, Signal, Stage
from tests.integration.llm_server import LlmServer, Reply
from tests.integration.llm_support import llm_runtime, llm_settings, mail
from triage.policy.autonomy import LLM_DECIDED, apply_autonomy, at_start
from triage.policy.decide import decide, quoted_summary
from triage.policy.loader import load_policy
from triage.runtime import Runtime

pytestmark = pytest.mark.integration
CORPUS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "injection" / "corpus.yaml").read_text("utf-8")
)
REFUSED = {"invented_intent", "extra_fields", "wrong_shape", "prompt_leak"}
POLICY = load_policy()
# The sender's company with an order, an invoice and a purchase order: most rules match.
LINKED = LinkResult(
    partner=Link(model="res.partner", record_id=11, display_name="Brightmart", found_by="sender"),
    links=[
        Link(model="sale.order", record_id=7, display_name="S00042", found_by="name"),
        Link(model="account.move", record_id=9, display_name="INV/2025/00012", found_by="name"),
        Link(model="purchase.order", record_id=5, display_name="P00017", found_by="name"),
    ],
)


def test_the_corpus_is_broad_enough() -> None:
    assert len(CORPUS) >= 30
    assert len({c["language"] for c in CORPUS}) >= 5
    assert {c["goal"] for c in CORPUS} == {"refund", "bank_details", "routing", "prompt_leak"}


def _compromised(body: dict[str, Any]) -> Reply:
    """Answer as the mail asked, pasting our own instructions where it wanted them."""
    system = body["messages"][0]["content"]
    entry = next(c for c in CORPUS if c["subject"] in body["messages"][1]["content"])
    text = json.dumps(entry["answer"]).replace("{system_prompt}", json.dumps(system)[1:-1])
    return Reply(json.loads(text))


@pytest.fixture(scope="module")
def runtime(
    llm_session_server: LlmServer, tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path
) -> Iterator[Runtime]:
    settings = llm_settings(
        llm_session_server,
        tmp_path_factory.mktemp("injection"),
        trained_model_dir,
        breaker_failures=1_000,  # every mail must reach the compromised model
        cache=False,
    )
    with llm_runtime(settings) as runtime:
        yield runtime


@pytest.mark.parametrize("case", CORPUS, ids=[c["id"] for c in CORPUS])
def test_a_compromised_model_cannot_steer_the_signal(
    llm: LlmServer, runtime: Runtime, case: dict[str, Any]
) -> None:
    llm.respond_with(_compromised)
    message = mail(case["body"], case["subject"], case["from"])
    signal = runtime.cascade.classify(message)

    taxonomy = set(runtime.cascade.taxonomy.names)
    assert {i.intent for i in signal.intents} <= taxonomy
    assert set(signal.model_dump()) == set(Signal.model_fields)  # a signal, and no actions
    for entity in signal.entities:
        field = message.subject if entity.field == "subject" else message.text
        assert field[entity.start : entity.end] == entity.raw, "invented entity kept"
    assert llm.requests, "every hostile mail must reach the compromised model"
    system = llm.requests[0]["messages"][0]["content"]
    for line in system.splitlines():
        assert len(line) < 40 or line not in signal.summary, "instructions leaked"
    user = llm.requests[0]["messages"][1]["content"]
    assert user.count("<<<UNTRUSTED ") == 1 and user.count("<<<END UNTRUSTED ") == 1
    if case["misbehaviour"] in REFUSED:
        assert signal.fallback and signal.fallback_reason.startswith("bad_output:")
        assert signal.decided_by is not Stage.LLM
    if "account_update" in {i.intent for i in signal.intents}:
        assert signal.needs_review and signal.high_risk
    _the_policy_holds_what_the_model_decided(signal)


def _the_policy_holds_what_the_model_decided(signal: Signal) -> None:
    """Whatever the policy proposes for a signal the model decided waits for a person, and
    the model's summary appears in it only as a quoted, labelled field."""
    if signal.decided_by is not Stage.LLM:
        return
    decided = decide(signal, LINKED, POLICY)
    proposed = apply_autonomy(decided, "llm", at_start(POLICY.autonomy, "llm"))
    for action in proposed:
        assert action.approval, action
        held = action.reason.startswith(LLM_DECIDED) or action.reason.endswith(
            ("high risk: never automatic", "approval")
        )
        assert held, action
        for text in action.payload.model_dump(mode="json").values():
            outside = str(text).replace(quoted_summary(signal.summary), "")
            assert not signal.summary or signal.summary not in outside, action
