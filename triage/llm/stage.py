"""The LLM tasks behind the cascade's port: classify, extract and summarise one message.

The model only describes the mail. Its answer is checked here beyond the schema: intents must
be in the taxonomy, entities must be found verbatim in the mail (invented ones are dropped),
and an answer that repeats our instructions is refused as a prompt leak.
"""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel

from models import (
    Entity,
    EntityKind,
    IntentScore,
    LlmCall,
    Message,
    Sentiment,
    Stage,
    StageResult,
    Taxonomy,
    TextField,
    Urgency,
)
from prompts import Prompt, Rendered, load_prompt, normalised_hash
from prompts.classify import ClassifyOutput
from prompts.extract import ExtractOutput
from prompts.summarize import SummaryOutput
from triage.errors import LlmBadOutput, LlmError
from triage.llm.service import LlmService

MAX_MAIL_CHARS = 12_000
_LEAK_LINE_CHARS = 40
_KINDS = ", ".join(k.value for k in EntityKind)


def mail_block(message: Message) -> str:
    """The mail as the model sees it: sender, subject and new text, capped."""
    sender = message.from_.email if message.from_ else "unknown"
    name = message.from_.name if message.from_ else ""
    head = f"From: {name} <{sender}>" if name else f"From: {sender}"
    return f"{head}\nSubject: {message.subject}\n\n{message.text[:MAX_MAIL_CHARS]}"


class LlmTasks:
    """classify / extract / summarize for the cascade, over an LlmService."""

    def __init__(self, service: LlmService) -> None:
        self.service = service

    def classify(self, message: Message, taxonomy: Taxonomy, role: str = "") -> StageResult:
        """The LLM's reading of a message, or a failed StageResult saying why there is none."""
        if (refused := self._while_open("classify")) is not None:
            return refused
        intents = "\n".join(f"- {i.name}: {i.description}" for i in taxonomy.intents)
        prompt = load_prompt("classify").render(
            mail_block(message), intents=intents, entity_kinds=_KINDS, role=role or "unknown"
        )
        key = normalised_hash(_taxonomy_key(taxonomy), role, mail_block(message))

        def check(output: object) -> None:
            answer = cast(ClassifyOutput, output)
            unknown = [i.intent for i in answer.intents if taxonomy.get(i.intent) is None]
            if unknown:
                raw = answer.model_dump_json()
                raise LlmBadOutput(f"intent {unknown[0]!r} is not in the taxonomy", raw)
            refuse_leak(prompt, answer.summary, answer)

        try:
            answer = self.service.run(prompt, key, message.id, check)
        except LlmError as exc:
            return failed(prompt, self.service, exc)
        return self._classified(message, prompt, cast(ClassifyOutput, answer.output), answer.call)

    def extract(self, message: Message) -> StageResult:
        """Entities the patterns missed (customer POs, ETAs, quantities, products)."""
        if (refused := self._while_open("extract")) is not None:
            return refused
        known = ", ".join(sorted({e.value for e in message.entities})) or "nothing"
        prompt = load_prompt("extract").render(mail_block(message), known=known)
        try:
            answer = self.service.run(
                prompt, normalised_hash(known, mail_block(message)), message.id
            )
        except LlmError as exc:
            return failed(prompt, self.service, exc)
        found = [
            e
            for item in cast(ExtractOutput, answer.output).entities
            if (e := locate(message, item.kind, item.text, item.value)) is not None
        ]
        return StageResult(
            stage=Stage.LLM,
            reason=f"extract: {len(found)} entities",
            version=prompt.version,
            llm=answer.call,
            entities=_new(found, message.entities),
        )

    def summarize(self, message: Message) -> tuple[str, LlmCall]:
        """A two-sentence summary (LlmError when the model gives none)."""
        prompt = load_prompt("summarize").render(mail_block(message))
        key = normalised_hash(mail_block(message))
        answer = self.service.run(
            prompt,
            key,
            message.id,
            lambda out: refuse_leak(prompt, cast(SummaryOutput, out).summary, out),
        )
        return cast(SummaryOutput, answer.output).summary, answer.call

    def _while_open(self, task: str) -> StageResult | None:
        """A refusal before any work (no prompt, no cache look-up) while the breaker is open."""
        try:
            self.service.refuse_while_open(task)
        except LlmError as exc:
            return failed(load_prompt(task), self.service, exc)
        return None

    def _classified(
        self,
        message: Message,
        prompt: Rendered,
        output: ClassifyOutput,
        call: LlmCall,
    ) -> StageResult:
        scores = {
            i.intent: IntentScore(intent=i.intent, confidence=i.confidence) for i in output.intents
        }
        found = [locate(message, e.kind, e.text) for e in output.entities]
        entities = [e for e in found if e is not None]
        dropped = len(found) - len(entities)
        note = f"; dropped {dropped} entities not in the mail" if dropped else ""
        return StageResult(
            stage=Stage.LLM,
            intents=list(scores.values()),
            certain=True,
            reason=f"{call.model} with {prompt.version}{note}",
            version=prompt.version,
            llm=call,
            urgency=Urgency(output.urgency),
            sentiment=Sentiment(output.sentiment),
            language=output.language.lower(),
            summary=output.summary.strip(),
            entities=_new(entities, message.entities),
        )


def failed(prompt: Prompt | Rendered, service: LlmService, error: LlmError) -> StageResult:
    """A StageResult for a call that gave no usable answer, keeping a bad answer's text."""
    client = service.clients.get(prompt.task) or service.clients["default"]
    raw = error.raw if isinstance(error, LlmBadOutput) else ""
    return StageResult(
        stage=Stage.LLM,
        failed=True,
        reason=f"{error.reason}: {error.message}",
        version=prompt.version,
        llm=LlmCall(model=client.model, prompt_version=prompt.version, raw_output=raw[:20_000]),
    )


def refuse_leak(prompt: Rendered, text: str, answer: BaseModel) -> None:
    """Refuse an answer that quotes a line of our instructions."""
    folded = " ".join(text.casefold().split())
    for line in prompt.system.splitlines():
        line = " ".join(line.casefold().split())
        if len(line) >= _LEAK_LINE_CHARS and line in folded:
            raise LlmBadOutput("the answer repeats the instructions", answer.model_dump_json())


def locate(message: Message, kind: str, text: str, value: str = "") -> Entity | None:
    """An entity for text the model copied, if it really is in the subject or the mail."""
    try:
        entity_kind = EntityKind(kind)
    except ValueError:
        return None
    needle = text.strip()
    for field, haystack in ((TextField.SUBJECT, message.subject), (TextField.TEXT, message.text)):
        start = haystack.find(needle) if needle else -1
        if start < 0 and needle:
            start = haystack.casefold().find(needle.casefold())
        if start >= 0:
            return Entity(
                kind=entity_kind,
                raw=haystack[start : start + len(needle)],
                value=value.strip() or needle,
                field=field,
                start=start,
                end=start + len(needle),
                confidence=0.6,
                extra={"source": "llm"},
            )
    return None


def _new(found: list[Entity], known: list[Entity]) -> list[Entity]:
    """Entities not already found by the patterns (same kind and value), without repeats."""
    seen = {(e.kind, e.value.casefold()) for e in known}
    fresh = []
    for entity in found:
        if (entity.kind, entity.value.casefold()) not in seen:
            seen.add((entity.kind, entity.value.casefold()))
            fresh.append(entity)
    return fresh


def _taxonomy_key(taxonomy: Taxonomy) -> str:
    return "|".join(f"{i.name}:{i.description}" for i in taxonomy.intents)
