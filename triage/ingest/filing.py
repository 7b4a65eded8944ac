"""Filing mail after triage: IMAP keywords and per-intent folder moves, through the outbox.

The pipeline records the actions (`triage.pipeline.filing`); the folder's watcher performs
them here, because it holds the connection. It claims only the IMAP kinds of its own folder
(the outbox worker never claims them), all keywords before any move, since a moved mail's UID
is gone from the folder. A UIDVALIDITY change makes the recorded UIDs meaningless: such an
action is given up (dead) with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from models import ActionRecord, ImapKeywordPayload, ImapMovePayload
from triage.actions.errors import BUSINESS, TECHNICAL
from triage.actions.outbox import Outbox
from triage.actions.registry import describe
from triage.config import MailboxSettings
from triage.errors import MailboxError
from triage.ingest.mailbox import Mailbox

KEYWORD = "imap_keyword"
MOVE = "imap_move"
ACTOR = "imap-watcher"
# The folder's lease makes its watcher the only filer of the folder: an action of the folder
# still running was left by a watcher that died, so it is taken over at once.
STALE_AFTER = 0.0


@dataclass(frozen=True)
class Filer:
    """Performs the filing actions of one watched folder."""

    settings: MailboxSettings
    folder: str
    actions: Outbox

    def run(self, mailbox: Mailbox, uidvalidity: int) -> int:
        """Perform this folder's due filing actions, keywords before moves; how many ran."""
        return self._run_all(KEYWORD, mailbox, uidvalidity) + self._run_all(
            MOVE, mailbox, uidvalidity
        )

    def _run_all(self, kind: str, mailbox: Mailbox, uidvalidity: int) -> int:
        scope = {"account": self.settings.name, "folder": self.folder}
        count = 0
        while (action := self.actions.claim(ACTOR, STALE_AFTER, (kind,), scope)) is not None:
            self._perform(action, mailbox, uidvalidity)
            count += 1
        return count

    def _perform(self, action: ActionRecord, mailbox: Mailbox, uidvalidity: int) -> None:
        try:
            payload = action.typed_payload()
        except ValidationError as exc:
            reason = f"invalid {action.kind} payload: {describe(exc)}"
            self.actions.failed(action.id, ACTOR, reason, BUSINESS, None, give_up=True)
            return
        if not isinstance(payload, ImapKeywordPayload | ImapMovePayload):
            reason = f"{action.kind} is not a filing action"  # claimed by kind: never here
            self.actions.failed(action.id, ACTOR, reason, BUSINESS, None, give_up=True)
            return
        if payload.uidvalidity != uidvalidity:
            reason = "UIDVALIDITY changed: the UID is gone"
            self.actions.failed(action.id, ACTOR, reason, TECHNICAL, None, give_up=True)
            return
        try:
            if isinstance(payload, ImapKeywordPayload):
                mailbox.add_keywords(payload.uid, [payload.keyword])
            else:
                mailbox.move(payload.uid, payload.destination)
        except MailboxError as exc:
            # Retried on the next cycle, after the watcher has reconnected.
            self.actions.failed(action.id, ACTOR, str(exc), TECHNICAL, retry_in=0.0)
            raise
        self.actions.done(action.id, ACTOR)
