"""The cascade: rules, then the classical model, then (when configured) the LLM.

Every stage's answer is recorded on the signal; the first stage that is sure decides.
Pure functions of (message, models, configuration): nothing global.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from models import (
    Entity,
    EntityKind,
    IntentGroup,
    IntentScore,
    Message,
    Signal,
    Stage,
    StageResult,
    Taxonomy,
)
from triage.classify.classical import ClassicalModel, model_text
from triage.classify.rules import Role, RuleSet, RulesOutcome
from triage.classify.sentiment import assess_sentiment
from triage.classify.summary import summarize
from triage.classify.urgency import assess_urgency

SECONDARY_MIN = 0.25
_CONTEXT_KINDS = frozenset({EntityKind.DATE, EntityKind.ETA, EntityKind.AMOUNT})


class LlmStage(Protocol):
    """The port the LLM stage plugs into (a later issue provides the adapter)."""

    def classify(self, message: Message, taxonomy: Taxonomy) -> StageResult:
        """Classify one message; failures come back as a StageResult with a reason."""
        ...


class Cascade:
    """rules -> classical -> llm, recording every stage's answer."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        rules: RuleSet,
        classical: ClassicalModel | None,
        llm: LlmStage | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.rules = rules.check(taxonomy)
        self.classical = classical
        self.llm = llm

    def classify(self, message: Message) -> Signal:
        """The signal for one message."""
        return self.classify_many([message])[0]

    def classify_many(self, messages: list[Message]) -> list[Signal]:
        """Signals for many messages, with one batched model call."""
        outcomes = [self.rules.evaluate(m) for m in messages]
        pending = [i for i, o in enumerate(outcomes) if not o.result.certain]
        probabilities = self._probabilities([messages[i] for i in pending])
        classical: dict[int, StageResult] = {
            index: self._classical_result(row, outcomes[index].role)
            for index, row in zip(pending, probabilities, strict=True)
        }
        return [
            self._signal(message, outcome, classical.get(i))
            for i, (message, outcome) in enumerate(zip(messages, outcomes, strict=True))
        ]

    def _probabilities(self, messages: list[Message]) -> np.ndarray:
        if self.classical is None or not messages:
            return np.zeros((len(messages), 0))
        return self.classical.predict_proba([model_text(m.subject, m.text) for m in messages])

    def _classical_result(self, probabilities: np.ndarray, role: Role | None) -> StageResult:
        if self.classical is None:
            return StageResult(stage=Stage.CLASSICAL, skipped=True, reason="no model loaded")
        ranked = self.classical.rank(probabilities, self._allowed(role))
        if not ranked:
            reason = f"the model knows none of the intents allowed for a {role} sender"
            return StageResult(stage=Stage.CLASSICAL, skipped=True, reason=reason)
        top = ranked[0]
        threshold = self.classical.threshold(top.intent)
        sure = top.confidence >= threshold
        verdict = "at or above" if sure else "below"
        return StageResult(
            stage=Stage.CLASSICAL,
            intents=ranked[:3],
            certain=sure,
            reason=f"{top.intent} {top.confidence:.2f} {verdict} threshold {threshold:.2f}",
            version=self.classical.version,
        )

    def _allowed(self, role: Role | None) -> set[str] | None:
        if role is None:
            return None
        own = IntentGroup.SUPPLIER if role is Role.SUPPLIER else IntentGroup.CUSTOMER
        return self.taxonomy.in_group(own, IntentGroup.AUTOMATIC, IntentGroup.OTHER)

    def _signal(
        self, message: Message, rules: RulesOutcome, classical: StageResult | None
    ) -> Signal:
        stages = [rules.result] + ([classical] if classical else [])
        decided_by, primary, review, llm = self._decide(message, rules.result, classical)
        stages += [llm] if llm else []
        intents = _merge(primary, stages)
        high_risk = [i.intent for i in intents if self._is_high_risk(i.intent)]
        if high_risk and not review:
            review = f"{high_risk[0]} is high risk: always reviewed"
        urgency, urgency_reasons = assess_urgency(message, intents[0].intent)
        sentiment, sentiment_score = assess_sentiment(message.text, message.language)
        return Signal(
            message_id=message.id,
            intents=_with_entities(intents, message.entities),
            urgency=urgency,
            urgency_reasons=urgency_reasons,
            sentiment=sentiment,
            sentiment_score=sentiment_score,
            language=message.language,
            summary=summarize(message),
            entities=message.entities,
            decided_by=decided_by,
            stages=stages,
            high_risk=bool(high_risk),
            needs_review=bool(review),
            review_reason=review,
            model_version=self._versions(),
            data_hash=self.classical.metadata.data_hash if self.classical else "",
        )

    def _decide(
        self,
        message: Message,
        rules: StageResult,
        classical: StageResult | None,
    ) -> tuple[Stage, list[IntentScore], str, StageResult | None]:
        """Who decides, the primary intent, why a person must look, and the LLM's answer."""
        if rules.certain:
            return Stage.RULES, rules.intents[:1], "", None
        if not (message.subject.strip() or message.text.strip()):
            return Stage.RULES, [IntentScore(intent="other", confidence=0.0)], "empty message", None
        if classical is not None and classical.certain:
            return Stage.CLASSICAL, classical.intents[:1], "", None
        llm = self._llm_result(message)
        if classical is not None and classical.intents:
            return Stage.CLASSICAL, classical.intents[:1], f"unsure: {classical.reason}", llm
        fallback = rules.intents[:1] or [IntentScore(intent="other", confidence=0.0)]
        return Stage.RULES, fallback, "no classical answer: nothing confident", llm

    def _llm_result(self, message: Message) -> StageResult:
        if self.llm is None:
            return StageResult(stage=Stage.LLM, skipped=True, reason="no LLM configured")
        return self.llm.classify(message, self.taxonomy)

    def _is_high_risk(self, intent: str) -> bool:
        definition = self.taxonomy.get(intent)
        return bool(definition and definition.high_risk)

    def _versions(self) -> str:
        classical = self.classical.version if self.classical else "none"
        return f"rules:{self.rules.version};classical:{classical}"


def _merge(primary: list[IntentScore], stages: list[StageResult]) -> list[IntentScore]:
    """The primary intent, then other intents some stage gave with enough confidence."""
    merged = {i.intent: i for i in primary}
    for stage in stages:
        for score in stage.intents:
            if score.intent not in merged and score.confidence >= SECONDARY_MIN:
                merged[score.intent] = score
    return list(merged.values())


def _with_entities(intents: list[IntentScore], entities: list[Entity]) -> list[IntentScore]:
    """Attach the message's references to its primary intent."""
    refs = [e for e in entities if e.field != "quoted" and e.kind not in _CONTEXT_KINDS]
    if not intents:
        return intents
    return [intents[0].model_copy(update={"entities": refs}), *intents[1:]]
