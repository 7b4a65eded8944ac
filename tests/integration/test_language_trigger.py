"""The language trigger sends the LLM only mail in languages the model does not know.

The real LLM stage talks HTTP to the OpenAI-compatible server on loopback; the model is the
session model trained on the shipped data (English, German, French, Spanish, Dutch, ...).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models import Stage
from tests.integration.llm_server import LlmServer, Reply
from tests.integration.llm_support import ANSWER, llm_runtime, llm_settings, mail
from triage.classify.classical import ClassicalModel
from triage.config import LlmTriggers

pytestmark = pytest.mark.integration
GERMAN = "Hallo, wann kommt unsere Bestellung S00042 an?"
POLISH = "Dzień dobry, kiedy zostanie dostarczone nasze zamówienie S00042? Pozdrawiam, Anna"


def test_a_german_mail_is_routed_by_the_model_without_the_llm(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    assert "de" in ClassicalModel.load(trained_model_dir).metadata.languages
    settings = llm_settings(llm, tmp_path, trained_model_dir, database_url, run_when=LlmTriggers())
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail(GERMAN, subject="Lieferung"))
    assert signal.language == "de"
    assert signal.decided_by is Stage.CLASSICAL and signal.intent == "order_status"
    assert not signal.needs_review
    assert llm.calls == 0


def test_a_mail_in_an_unknown_language_reaches_the_llm(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    llm.script(Reply(ANSWER))
    only_language = LlmTriggers(below_threshold=False, supplier=False, references=0)
    settings = llm_settings(llm, tmp_path, trained_model_dir, database_url, run_when=only_language)
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail(POLISH, subject="Zamówienie S00042"))
    assert signal.language == "pl" and llm.calls == 1
    assert signal.decided_by is Stage.LLM and signal.stages[-1].trigger == "language pl"


def test_an_explicit_language_list_still_wins(
    llm: LlmServer, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> None:
    llm.script(Reply(ANSWER))
    english_only = LlmTriggers(languages=["en"])
    settings = llm_settings(llm, tmp_path, trained_model_dir, database_url, run_when=english_only)
    with llm_runtime(settings) as runtime:
        signal = runtime.cascade.classify(mail(GERMAN, subject="Lieferung"))
    assert llm.calls == 1 and signal.stages[-1].trigger == "language de"
