"""After a message is classified and linked: the policy decides, earned autonomy holds back
what its (intent, decider) has not earned yet, and the outbox records.

Customer updates get their draft here (the LLM's in the customer's language, or the
template), so the approver sees the text they approve.
"""

from __future__ import annotations

import logging

from models import (
    CustomerUpdatePayload,
    DraftFacts,
    EditedDraft,
    LinkResult,
    Message,
    ProposedAction,
    Signal,
)
from triage.autonomy import Autonomy
from triage.errors import OdooError
from triage.llm.drafting import draft_customer_update
from triage.llm.service import LlmService
from triage.odoo.partners import PartnerLanguage
from triage.policy.decide import decide
from triage.policy.loader import PolicyHolder
from triage.store.actions import ActionStore
from triage.store.audit import AuditStore

log = logging.getLogger(__name__)


class Workflow:
    """Decides under the current policy and records the actions once."""

    def __init__(
        self,
        policy: PolicyHolder,
        actions: ActionStore,
        audit: AuditStore,
        llm: LlmService | None = None,
        languages: PartnerLanguage | None = None,
        company: str = "Customer Service",
        autonomy: Autonomy | None = None,
    ) -> None:
        self.policy = policy
        self.actions = actions
        self.audit = audit
        self.llm = llm
        self.languages = languages
        self.company = company
        self.autonomy = autonomy

    def decide(self, message: Message, signal: Signal, links: LinkResult) -> list[int]:
        """Record what the policy decides for a message; ids of the actions newly stored."""
        policy = self.policy.current()
        proposed = decide(signal, links, policy)
        if self.autonomy is not None:
            proposed = self.autonomy.decide(message.id, signal, proposed)
        self.audit.record(
            "decided",
            f"policy:{policy.full_version}",
            message_id=message.id,
            detail={
                "intent": signal.intent,
                "decided_by": signal.decided_by.value,
                "model_version": signal.model_version,
                "rules": sorted({p.rule_id for p in proposed}),
                "actions": len(proposed),
                "waiting": sorted({p.reason for p in proposed if p.approval}),
            },
        )
        stored = []
        for action in proposed:
            action = self._with_draft(action, message)
            action_id = self.actions.propose(message.id, action)
            if action_id is not None:
                stored.append(action_id)
        return stored

    def _with_draft(self, action: ProposedAction, message: Message) -> ProposedAction:
        payload = action.payload
        if not isinstance(payload, CustomerUpdatePayload):
            return action
        facts = payload.facts
        language = "en"
        if self.languages is not None and facts.customer_id:
            try:
                language = self.languages.language_of(facts.customer_id)
            except OdooError as exc:
                log.warning("partner language unknown (%s): drafting in English", exc.message)
        draft = draft_customer_update(
            DraftFacts(
                customer=facts.customer,
                order=facts.order or action.target.name,
                old_date=facts.commitment,
                new_date=facts.eta,
                partial=facts.partial or [],
                language=language,
                company=self.company,
            ),
            f"Subject: {message.subject}\n\n{message.text}",
            self.llm,
        )
        edited = EditedDraft.model_validate(draft.model_dump())
        drafted = payload.model_copy(update={"draft": edited})
        return action.model_copy(update={"payload": drafted})
