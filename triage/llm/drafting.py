"""Customer updates for a delay or backorder: drafted by the LLM, or from a template.

Either way the result is a draft for a person to approve; nothing here sends mail.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template
from typing import cast

import yaml

from models import Draft, DraftFacts
from prompts import load_prompt, normalised_hash
from prompts.draft_customer_update import DraftOutput
from triage.errors import LlmBadOutput, LlmError
from triage.llm.service import LlmService
from triage.llm.stage import refuse_leak

TEMPLATES = Path(__file__).parent / "templates" / "customer_update.yaml"
_QUANTITY_OF = re.compile(r"^([\d.]+) of ([\d.]+) ")


def language_code(language: str) -> str:
    """'de_DE' or 'de-de' or 'DE' -> 'de'."""
    return language.replace("-", "_").split("_")[0].lower() or "en"


def draft_customer_update(
    facts: DraftFacts, supplier_text: str, service: LlmService | None
) -> Draft:
    """A draft in the customer's language: the LLM's when it answers well, else the template."""
    if service is None:
        return template_draft(facts, "no LLM configured")
    language = language_code(facts.language)
    prompt = load_prompt("draft_customer_update").render(
        supplier_text[:6_000],
        language=language,
        company=facts.company,
        customer=facts.customer,
        order=facts.order,
        client_ref=facts.client_ref or "none",
        old_date=facts.old_date or "unknown",
        new_date=facts.new_date or "unknown",
        products=", ".join(facts.products) or "not listed",
        partial="; ".join(facts.partial) or "none",
    )

    def check(output: object) -> None:
        draft = cast(DraftOutput, output)
        if language_code(draft.language) != language:
            raise LlmBadOutput(f"written in {draft.language}, asked for {language}", draft.body)
        if facts.order not in f"{draft.subject}\n{draft.body}":
            raise LlmBadOutput(f"the draft does not name {facts.order}", draft.body)
        refuse_leak(prompt, draft.body, draft)

    key = normalised_hash(facts.model_dump_json(), supplier_text)
    try:
        answer = service.run(prompt, key, None, check)
    except LlmError as exc:
        return template_draft(facts, f"LLM {exc.reason}: {exc.message}")
    output = cast(DraftOutput, answer.output)
    return Draft(
        subject=output.subject,
        body=output.body,
        language=language,
        source="llm",
        model=answer.call.model,
        prompt_version=answer.call.prompt_version,
    )


def template_draft(facts: DraftFacts, reason: str) -> Draft:
    """The shipped template in the customer's language (English when there is none)."""
    templates = _templates()
    language = language_code(facts.language)
    if language not in templates:
        reason, language = f"{reason}; no template in {language}, English used", "en"
    text = templates[language]
    values = {
        "customer": facts.customer,
        "order": facts.order,
        "reference": f" ({facts.client_ref})" if facts.client_ref else "",
        "old_date": facts.old_date or text["unknown"],
        "new_date": facts.new_date or text["unknown"],
        "products": ", ".join(facts.products) or text["goods"],
        "company": facts.company,
        "partial_offer": _partial_offer(facts.partial, text),
    }
    return Draft(
        subject=Template(text["subject"]).substitute(values),
        body=Template(text["body"]).substitute(values).strip(),
        language=language,
        source="template",
        reason=reason,
    )


def _partial_offer(partial: list[str], text: dict[str, str]) -> str:
    """The offer of a partial delivery as its own paragraph ('' when there is none)."""
    if not partial:
        return ""
    # "13 of 20 Extra Virgin Olive Oil 5 L": the `of` in the template's language.
    lines = [_QUANTITY_OF.sub(lambda m: f"{m[1]} {text['of']} {m[2]} ", p) for p in partial]
    return "\n\n" + Template(text["partial"]).substitute(partial=", ".join(lines))


@cache
def _templates() -> dict[str, dict[str, str]]:
    return cast(dict[str, dict[str, str]], yaml.safe_load(TEMPLATES.read_text(encoding="utf-8")))
