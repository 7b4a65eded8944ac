"""People deciding: approve (with edits of a draft), reject, and correct a message's label.

The one application service behind both doors, the JSON API and the review UI, so the rules
are written once: who may decide an action (its approval role), which edits are allowed (the
subject and text of a drafted customer update, nothing else), and that a decision is atomic.
The store's conditional UPDATE lets exactly one of several concurrent deciders win; the others
get StateConflict (409). The audit event is written in the same transaction as the change.
Each decision is also a verdict for earned autonomy: approving an action confirms the intent it
was proposed for, a correction labels the message, and `confirm` says its intent is right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import ActionRecord, ActionState, Taxonomy, Urgency, UserRole
from triage.autonomy import Autonomy
from triage.errors import EditRefused, Forbidden, InvalidLabel, NotFound
from triage.store.actions import ActionStore, StateConflict
from triage.store.feedback import FeedbackStore

URGENCIES = frozenset(u.value for u in Urgency)


@dataclass(frozen=True)
class Decider:
    """Who decides: a name, a role, and the door they came through (`key` or `user`)."""

    name: str
    role: UserRole
    door: str

    @property
    def actor(self) -> str:
        """The audit actor, e.g. `key:paula` or `user:paula`."""
        return f"{self.door}:{self.name}"


@dataclass(frozen=True)
class DraftEdits:
    """An approver's text for a draft's subject and body (None: left as drafted)."""

    subject: str | None = None
    body: str | None = None

    def given(self) -> dict[str, str]:
        """The fields the approver filled in."""
        fields = {"subject": self.subject, "body": self.body}
        return {k: v for k, v in fields.items() if v is not None}


class Approvals:
    """Approve, edit-and-approve, reject and correct, with one set of rules for every door."""

    def __init__(
        self,
        actions: ActionStore,
        feedback: FeedbackStore,
        taxonomy: Taxonomy,
        autonomy: Autonomy | None = None,
    ) -> None:
        self._actions = actions
        self._feedback = feedback
        self._taxonomy = taxonomy
        self._autonomy = autonomy

    def approve(
        self, action_id: int, decider: Decider, edits: DraftEdits | None = None
    ) -> ActionRecord:
        """proposed -> approved, with the approver's edits of a draft; exactly one decider wins."""
        action = self._decidable(action_id, decider)
        payload = edited_payload(action, edits or DraftEdits(), decider.name)
        self._actions.approve(action_id, decider.actor, payload)
        intent = action.payload.get("intent")
        if self._autonomy is not None and isinstance(intent, str) and intent:
            self._autonomy.verdict(action.message_id, intent, decider.actor)
        return self._found(action_id)

    def reject(self, action_id: int, decider: Decider, reason: str = "") -> ActionRecord:
        """proposed -> rejected (the same roles as approving); exactly one decider wins."""
        self._decidable(action_id, decider)
        self._actions.reject(action_id, decider.actor, reason)
        return self._found(action_id)

    def correct(self, message_id: str, intent: str, urgency: str | None, decider: Decider) -> None:
        """Record a correction of a message's label; feedback and audit land together."""
        if self._taxonomy.get(intent) is None:
            raise InvalidLabel(f"{intent!r} is not an intent of the taxonomy.")
        if urgency and urgency not in URGENCIES:
            raise InvalidLabel(f"{urgency!r} is not an urgency.")
        if not self._feedback.correct(
            message_id, intent, urgency or None, decider.name, decider.actor
        ):
            raise NotFound(f"No message {message_id}.")
        if self._autonomy is not None:
            self._autonomy.verdict(message_id, intent, decider.actor)

    def confirm(self, message_id: str, decider: Decider) -> None:
        """A person says the message's intent is right (NotFound without a message or signal)."""
        confirmed = self._feedback.confirm(message_id, decider.name, decider.actor)
        if confirmed is None:
            raise NotFound(f"No message {message_id} with a signal.")
        if self._autonomy is not None:
            self._autonomy.verdict(message_id, confirmed[0], decider.actor)

    def _decidable(self, action_id: int, decider: Decider) -> ActionRecord:
        action = self._found(action_id)
        if not decider.role.may_approve(action.approval):
            raise Forbidden(
                f"A {decider.role.value} may not decide an action that needs an {action.approval}."
            )
        if action.state is not ActionState.PROPOSED:
            # A quick answer for the common case; the store's conditional UPDATE is what
            # decides a race.
            raise StateConflict(
                f"Action {action_id} is {action.state.value}, not waiting for a decision."
            )
        return action

    def _found(self, action_id: int) -> ActionRecord:
        action = self._actions.get(action_id)
        if action is None:
            raise NotFound(f"No action {action_id}.")
        return action


def edited_payload(action: ActionRecord, edits: DraftEdits, editor: str) -> dict[str, Any]:
    """The payload change an approval makes: the draft with the text that really changed."""
    given = edits.given()
    if not given:
        return {}
    draft = action.payload.get("draft")
    if not isinstance(draft, dict):
        raise EditRefused("Only a drafted customer update can be edited.")
    changed = {k: v for k, v in given.items() if draft.get(k) != v}
    if not changed:
        return {}  # the draft's own text sent back unchanged: not an edit
    return {"draft": {**draft, **changed, "edited_by": editor}}
