"""The cascade: rules, then the classical model, then (when configured) the LLM.

Every stage's answer is recorded on the signal; the first stage that is sure decides.
A mail may carry several requests: the classical model also reads each request segment
(segments.py) in the same batched call, and an intent a segment carries past that intent's own
threshold is routed in its own right (IntentScore.routed) next to the primary; when the LLM
decides, its own list of requests does instead. Other intents are information only.
Pure functions of (message, models, configuration): nothing global.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from models import (
    DefectCode,
    Entity,
    EntityKind,
    IntentGroup,
    IntentScore,
    Message,
    Signal,
    Stage,
    StageResult,
    Taxonomy,
    Urgency,
)
from triage.classify.classical import ClassicalModel, model_text
from triage.classify.familiarity import UNFAMILIAR
from triage.classify.rules import Role, RuleSet, RulesOutcome
from triage.classify.segments import request_segments
from triage.classify.sentiment import assess_sentiment
from triage.classify.summary import summarize
from triage.classify.triggers import llm_trigger
from triage.classify.urgency import assess_urgency
from triage.config import LlmTriggers

SECONDARY_MIN = 0.25
# A further intent in the LLM's own list is a request in its own right from this confidence.
LLM_REQUEST_MIN = 0.5
_CONTEXT_KINDS = frozenset({EntityKind.DATE, EntityKind.ETA, EntityKind.AMOUNT})
# Mail the parser could not read in full: a person reads it, whatever the stages said.
_UNREAD_DEFECTS = frozenset({DefectCode.TOO_DEEP, DefectCode.HTML_TRUNCATED})


_URGENCY_ORDER = list(Urgency)


class LlmStage(Protocol):
    """The port the LLM stage plugs into (triage.llm.stage.LlmTasks is the adapter)."""

    def classify(self, message: Message, taxonomy: Taxonomy, role: str = "") -> StageResult:
        """Classify one message; failures come back as a failed StageResult with a reason."""
        ...

    def extract(self, message: Message) -> StageResult:
        """Entities the patterns missed; failures come back as a failed StageResult."""
        ...


class Cascade:
    """rules -> classical -> llm, recording every stage's answer."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        rules: RuleSet,
        classical: ClassicalModel | None,
        llm: LlmStage | None = None,
        *,
        triggers: LlmTriggers | None = None,
        extract_intents: frozenset[str] = frozenset(),
        concurrency: int = 4,
    ) -> None:
        self.taxonomy = taxonomy
        self.rules = rules.check(taxonomy)
        self.classical = classical
        self.llm = llm
        self.triggers = triggers or LlmTriggers()
        self.extract_intents = extract_intents
        self.concurrency = concurrency

    def classify(self, message: Message) -> Signal:
        """The signal for one message."""
        return self.classify_many([message])[0]

    def classify_many(self, messages: list[Message]) -> list[Signal]:
        """Signals for many messages, with one batched model call."""
        outcomes = [self.rules.evaluate(m) for m in messages]
        pending = [i for i, o in enumerate(outcomes) if not o.result.certain]
        asked = [messages[i] for i in pending]
        probabilities, parts = self._probabilities(asked)
        similar = self._similarity(asked)
        classical: dict[int, StageResult] = {
            index: self._familiarity_checked(
                self._with_segments(
                    self._classical_result(row, outcomes[index].role), rows, outcomes[index].role
                ),
                score,
            )
            for index, row, rows, score in zip(pending, probabilities, parts, similar, strict=True)
        }
        jobs = [
            (m, o, classical.get(i))
            for i, (m, o) in enumerate(zip(messages, outcomes, strict=True))
        ]
        if self.llm is None or len(jobs) < 2:
            return [self._signal(*job) for job in jobs]
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="llm") as pool:
            return list(pool.map(lambda job: self._signal(*job), jobs))

    def _probabilities(self, messages: list[Message]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One model call for the whole texts and their request segments: rows for each."""
        if self.classical is None or not messages:
            return np.zeros((len(messages), 0)), [np.zeros((0, 0)) for _ in messages]
        segments = [_request_texts(m) for m in messages]
        texts = [model_text(m.subject, m.text) for m in messages]
        rows = self.classical.predict_proba(texts + [t for part in segments for t in part])
        bounds = np.cumsum([len(messages)] + [len(part) for part in segments])
        return rows[: len(messages)], [rows[a:b] for a, b in itertools.pairwise(bounds)]

    def _similarity(self, messages: list[Message]) -> list[float | None]:
        """Per message, its similarity to the nearest training text, in one batched call."""
        familiarity = self.classical.familiarity if self.classical else None
        if familiarity is None or not messages:
            return [None] * len(messages)
        texts = [model_text(m.subject, m.text) for m in messages]
        return [float(score) for score in familiarity.similarity(texts)]

    def _with_segments(
        self, result: StageResult, rows: np.ndarray, role: Role | None
    ) -> StageResult:
        """The classical answer plus the intents single segments carry past their threshold."""
        if self.classical is None or result.skipped or not len(rows):
            return result
        allowed = self._allowed(role)
        requests = self.taxonomy.in_group(IntentGroup.CUSTOMER, IntentGroup.SUPPLIER)
        tops = [ranked[0] for row in rows if (ranked := self.classical.rank(row, allowed))]
        passed = [
            top
            for top in tops
            if top.intent in requests and top.confidence >= self.classical.threshold(top.intent)
        ]
        best: dict[str, IntentScore] = {}
        for top in sorted(passed, key=lambda score: -score.confidence):
            best.setdefault(top.intent, top)
        return result.model_copy(update={"segment_intents": list(best.values())})

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
        decided_by, primary, review, llm = self._decide(message, rules, classical)
        stages += [llm] if llm else []
        intents = _merge(primary, stages, decided_by, certain=not review or decided_by is Stage.LLM)
        if self.llm is not None and intents[0].intent in self.extract_intents:
            stages.append(self.llm.extract(message))
        high_risk = [i.intent for i in intents if self._is_high_risk(i.intent)]
        if high_risk and not review:
            review = f"{high_risk[0]} is high risk: always reviewed"
        review = _unread_part(message) or review  # what the parser could not read comes first
        answer = llm if decided_by is Stage.LLM else None
        urgency, urgency_reasons = assess_urgency(message, intents[0].intent)
        if answer and answer.urgency and _rank(answer.urgency) > _rank(urgency):
            urgency, urgency_reasons = answer.urgency, [*urgency_reasons, f"LLM: {answer.urgency}"]
        sentiment, sentiment_score = assess_sentiment(message.text, message.language)
        entities = [*message.entities, *(e for s in stages for e in s.entities)]
        return Signal(
            message_id=message.id,
            intents=_with_entities(intents, entities),
            urgency=urgency,
            urgency_reasons=urgency_reasons,
            sentiment=(answer.sentiment if answer and answer.sentiment else sentiment),
            sentiment_score=sentiment_score,
            language=message.language,
            summary=(answer.summary if answer and answer.summary else summarize(message)),
            entities=entities,
            decided_by=decided_by,
            fallback=bool(llm and llm.failed),
            fallback_reason=llm.reason if llm and llm.failed else "",
            stages=stages,
            high_risk=bool(high_risk),
            needs_review=bool(review),
            review_reason=review,
            model_version=self._versions(stages),
            data_hash=self.classical.metadata.data_hash if self.classical else "",
        )

    def _decide(
        self,
        message: Message,
        outcome: RulesOutcome,
        classical: StageResult | None,
    ) -> tuple[Stage, list[IntentScore], str, StageResult | None]:
        """Who decides, the primary intent, why a person must look, and the LLM's answer."""
        rules = outcome.result
        if rules.certain:
            return Stage.RULES, rules.intents[:1], "", None
        if not (message.subject.strip() or message.text.strip()):
            return Stage.RULES, [IntentScore(intent="other", confidence=0.0)], "empty message", None
        sure = classical.intents[:1] if classical is not None and classical.certain else []
        trigger = (
            llm_trigger(message, outcome.role, classical, self.triggers, self._languages())
            if self.llm
            else ""
        )
        if sure and not trigger:
            return Stage.CLASSICAL, sure, "", None
        llm = self._llm_result(message, outcome.role, trigger)
        unfamiliar = _unfamiliar(classical)
        if llm is not None and not (llm.failed or llm.skipped) and llm.intents:
            return Stage.LLM, llm.intents[:1], _disagreement(llm, classical) or unfamiliar, llm
        if sure:
            return Stage.CLASSICAL, sure, "", llm
        if classical is not None and classical.intents:
            review = unfamiliar or f"unsure: {classical.reason}"
            return Stage.CLASSICAL, classical.intents[:1], review, llm
        fallback = rules.intents[:1] or [IntentScore(intent="other", confidence=0.0)]
        return Stage.RULES, fallback, "no classical answer: nothing confident", llm

    def _languages(self) -> list[str]:
        """The languages the model knows (English for a model saved before they were kept)."""
        if self.classical is None:
            return []
        return self.classical.metadata.languages or ["en"]

    def _familiarity_checked(self, classical: StageResult, score: float | None) -> StageResult:
        """The classical answer, made unsure when the text is unlike the training data."""
        if classical.skipped or self.classical is None:
            return classical
        familiarity = self.classical.familiarity
        if familiarity is None or score is None:
            note = "familiarity check skipped: the model was saved without it"
            return classical.model_copy(update={"reason": f"{classical.reason}; {note}"})
        if score >= familiarity.threshold:
            return classical
        why = f"{UNFAMILIAR}: nearest training example {score:.2f} < {familiarity.threshold:.2f}"
        return classical.model_copy(
            update={"certain": False, "reason": f"{why}; {classical.reason}", "segment_intents": []}
        )

    def _llm_result(self, message: Message, role: Role | None, trigger: str) -> StageResult | None:
        if self.llm is None:
            return StageResult(stage=Stage.LLM, skipped=True, reason="no LLM configured")
        if not trigger:
            return None
        result = self.llm.classify(message, self.taxonomy, role.value if role else "")
        return result.model_copy(update={"trigger": trigger})

    def _is_high_risk(self, intent: str) -> bool:
        definition = self.taxonomy.get(intent)
        return bool(definition and definition.high_risk)

    def _versions(self, stages: list[StageResult]) -> str:
        classical = self.classical.version if self.classical else "none"
        llm = [f";llm:{s.llm.model}@{s.llm.prompt_version}" for s in stages if s.llm]
        return f"rules:{self.rules.version};classical:{classical}" + "".join(llm)


def _disagreement(llm: StageResult, classical: StageResult | None) -> str:
    """Why a person must look when a confident classical answer says something else."""
    if classical is None or not classical.certain or not classical.intents:
        return ""
    ours, theirs = llm.intents[0], classical.intents[0]
    if ours.intent == theirs.intent:
        return ""
    return (
        f"LLM says {ours.intent} ({ours.confidence:.2f}), "
        f"classical model says {theirs.intent} ({theirs.confidence:.2f})"
    )


def _unfamiliar(classical: StageResult | None) -> str:
    """Why the text is unlike the training data ('' when it is not, or was not checked)."""
    if classical is None or not classical.reason.startswith(UNFAMILIAR):
        return ""
    return classical.reason


def _unread_part(message: Message) -> str:
    """Why a person must look at mail the parser read only in part ('' when it read all)."""
    defect = next((d for d in message.defects if d.code in _UNREAD_DEFECTS), None)
    return f"the mail was read only in part ({defect.code}): {defect.detail}" if defect else ""


def _rank(urgency: Urgency) -> int:
    return _URGENCY_ORDER.index(urgency)


def _request_texts(message: Message) -> list[str]:
    """The model texts of a mail's request segments (none when it has only one)."""
    parts = request_segments(message.text)
    return [model_text("", part) for part in parts] if len(parts) > 1 else []


def _merge(
    primary: list[IntentScore], stages: list[StageResult], decider: Stage, *, certain: bool
) -> list[IntentScore]:
    """The primary intent, the other requests routed in their own right, then other
    intents some stage gave with enough confidence (information only)."""
    head = [score.model_copy(update={"routed": certain}) for score in primary]
    merged = {i.intent: i for i in head}
    for score in _routed_requests(stages, decider):
        merged.setdefault(score.intent, score.model_copy(update={"routed": True}))
    for stage in stages:
        for score in stage.intents:
            if score.intent not in merged and score.confidence >= SECONDARY_MIN:
                merged[score.intent] = score
    return list(merged.values())


def _routed_requests(stages: list[StageResult], decider: Stage) -> list[IntentScore]:
    """Further requests: the LLM's own list when it decided, else the segments' intents."""
    if decider is Stage.LLM:
        answer = next(s for s in reversed(stages) if s.stage is Stage.LLM)
        return [s for s in answer.intents[1:] if s.confidence >= LLM_REQUEST_MIN]
    return [score for stage in stages for score in stage.segment_intents]


def _with_entities(intents: list[IntentScore], entities: list[Entity]) -> list[IntentScore]:
    """Attach the message's references to its primary intent."""
    refs = [e for e in entities if e.field != "quoted" and e.kind not in _CONTEXT_KINDS]
    if not intents:
        return intents
    return [intents[0].model_copy(update={"entities": refs}), *intents[1:]]
