"""Filing mail after triage: IMAP keywords and per-intent folder moves, through the outbox.

Actions are recorded only after the message and its signal are committed, keyed so that a
second recording is a no-op, and executed (or retried) by the folder's watcher.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import Message, Signal
from triage.config import MailboxSettings
from triage.errors import MailboxError
from triage.ingest.mailbox import Mailbox
from triage.store.actions import ActionStore

KEYWORD = "imap_keyword"
MOVE = "imap_move"


@dataclass(frozen=True)
class Filer:
    """Records and performs the filing actions of one watched folder."""

    settings: MailboxSettings
    folder: str
    actions: ActionStore

    def record(
        self, stored: list[tuple[int, Message]], signals: list[Signal], uidvalidity: int
    ) -> None:
        """Record the keyword and move each stored message should get."""
        intent_of = {s.message_id: s.intent for s in signals}
        for uid, message in stored:
            intent = intent_of.get(message.id)
            if intent is None:
                continue
            payload = {
                "account": self.settings.name,
                "folder": self.folder,
                "uidvalidity": uidvalidity,
                "uid": uid,
            }
            if self.settings.keywords:
                self.actions.record(message.id, KEYWORD, f"triage/{intent}", payload)
            if intent in self.settings.move_by_intent:
                self.actions.record(message.id, MOVE, self.settings.move_by_intent[intent], payload)

    def run(self, mailbox: Mailbox, uidvalidity: int) -> int:
        """Perform pending actions of this folder (keywords before moves); return how many."""
        scope = {"account": self.settings.name, "folder": self.folder}
        pending = sorted(
            self.actions.pending((KEYWORD, MOVE), scope), key=lambda a: (a.kind != KEYWORD, a.id)
        )
        for action in pending:
            if action.payload.get("uidvalidity") != uidvalidity:
                self.actions.finish(action.id, "UIDVALIDITY changed: the UID is gone", give_up=True)
                continue
            uid = int(action.payload["uid"])
            try:
                if action.kind == KEYWORD:
                    mailbox.add_keywords(uid, [action.target])
                else:
                    mailbox.move(uid, action.target)
            except MailboxError as exc:
                self.actions.finish(action.id, str(exc))
                raise
            self.actions.finish(action.id)
        return len(pending)
