"""When a message is worth an LLM call: the classical model is unsure, or the mail is long,
in a language the model was not trained on, from a supplier, or cites several references."""

from __future__ import annotations

from models import EntityKind, Message, StageResult
from triage.classify.rules import Role
from triage.config import LlmTriggers

_REFERENCE_KINDS = frozenset(EntityKind) - {
    EntityKind.DATE,
    EntityKind.ETA,
    EntityKind.AMOUNT,
    EntityKind.QUANTITY,
    EntityKind.PRODUCT_NAME,
}


def llm_trigger(
    message: Message, role: Role | None, classical: StageResult | None, when: LlmTriggers
) -> str:
    """Why this message should go to the LLM ('' when it need not)."""
    if when.below_threshold and (classical is None or not classical.certain):
        return "classical model unsure"
    if when.long_chars and len(message.text) >= when.long_chars:
        return f"long mail ({len(message.text)} characters)"
    if message.language and when.languages and message.language not in when.languages:
        return f"language {message.language}"
    if when.supplier and role is Role.SUPPLIER:
        return "supplier mail"
    references = {
        (e.kind, e.value)
        for e in message.entities
        if e.kind in _REFERENCE_KINDS and e.field != "quoted"
    }
    if when.references and len(references) >= when.references:
        return f"{len(references)} references"
    return ""
