"""When a message is worth an LLM call: the classical model is unsure, or the mail is long,
in a language the model does not know, from a supplier, or cites several references."""

from __future__ import annotations

from collections.abc import Sequence

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
    message: Message,
    role: Role | None,
    classical: StageResult | None,
    when: LlmTriggers,
    model_languages: Sequence[str] = (),
) -> str:
    """Why this message should go to the LLM ('' when it need not).

    Known languages are `when.languages` when set, else those the model was trained on."""
    if when.below_threshold and (classical is None or not classical.certain):
        return "classical model unsure"
    if when.long_chars and len(message.text) >= when.long_chars:
        return f"long mail ({len(message.text)} characters)"
    known = model_languages if when.languages is None else when.languages
    if message.language and known and message.language not in known:
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
