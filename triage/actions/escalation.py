"""Escalation: a proposal waiting for approval, or a message waiting for review, past its SLA
gets one activity for the escalation role, a flag and a count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import ActivityPayload, ProposedAction, RoleAssignee, Target, Urgency
from triage.policy.loader import PolicyHolder
from triage.policy.model import Policy
from triage.store import MessageStore
from triage.store.actions import ActionStore
from triage.store.audit import AuditStore
from triage.store.database import as_utc
from triage.store.links import LinkStore

ACTOR = "escalation"


class Escalator:
    """Finds what waited too long and escalates each once."""

    def __init__(
        self,
        policy: PolicyHolder,
        actions: ActionStore,
        store: MessageStore,
        links: LinkStore,
        audit: AuditStore,
    ) -> None:
        self.policy = policy
        self.actions = actions
        self.store = store
        self.links = links
        self.audit = audit

    def run(self, now: datetime | None = None) -> int:
        """Escalate everything overdue; how many were escalated this time."""
        now = now or datetime.now(UTC)
        policy = self.policy.current()
        return self._approvals(policy, now) + self._reviews(policy, now)

    def _approvals(self, policy: Policy, now: datetime) -> int:
        count = 0
        for action in self.actions.waiting_since(now):
            hours = policy.sla(str(action.payload.get("intent", "")), _urgency(action.payload))
            created = as_utc(action.created_at)
            if hours is None or created + timedelta(hours=hours) > now:
                continue
            what = f"approval of {action.kind} on {action.target.name or 'the message'}"
            self._escalate(
                policy, action.message_id, action.target, what, created, f"escalation:{action.id}"
            )
            self.actions.mark_escalated(action.id, ACTOR)
            count += 1
        return count

    def _reviews(self, policy: Policy, now: datetime) -> int:
        count = 0
        for signal, created in self.store.awaiting_review(now):
            message_id = signal.message_id or ""
            hours = policy.sla(signal.intent, signal.urgency)
            if hours is None or created + timedelta(hours=hours) > now:
                continue
            if any(e.event == "review_escalated" for e in self.audit.for_message(message_id)):
                continue
            self.audit.record(
                "review_escalated",
                ACTOR,
                message_id=message_id,
                detail={"reason": signal.review_reason, "waiting_since": created.isoformat()},
            )
            self._escalate(
                policy,
                message_id,
                self._record_of(message_id),
                "review",
                created,
                "escalation:review",
            )
            count += 1
        return count

    def _escalate(
        self, policy: Policy, message_id: str, target: Target, what: str, since: datetime, key: str
    ) -> None:
        if not target.model:
            return  # nothing in Odoo to hang an activity on: the flag and the count remain
        role = policy.escalation_role
        self.actions.propose(
            message_id,
            ProposedAction(
                target=target,
                payload=ActivityPayload(
                    summary=f"Escalated: {what} waiting since {since:%Y-%m-%d %H:%M} UTC",
                    note=f"The {what} is past its SLA in triage.",
                    deadline=datetime.now(UTC).date(),
                    activity_type="mail.mail_activity_data_todo",
                    assign=RoleAssignee(role=role, login=policy.roles[role]),
                ),
                reason="past its SLA",
                rule_id="escalation",
                policy_version=policy.full_version,
                key=key,
            ),
        )

    def _record_of(self, message_id: str) -> Target:
        result = self.links.result(message_id)
        if result is None:
            return Target()
        for link in [*result.links, *([result.partner] if result.partner else [])]:
            if link.record_id is not None and link.status.value == "linked":
                return Target(model=link.model, record_id=link.record_id, name=link.display_name)
        return Target()


def _urgency(payload: dict[str, object]) -> Urgency:
    try:
        return Urgency(str(payload.get("urgency", "normal")))
    except ValueError:
        return Urgency.NORMAL
