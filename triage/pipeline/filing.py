"""Which IMAP keyword and folder move a classified mail gets, recorded in the outbox.

The watcher of the folder performs them (it holds the connection); they are decided here,
in the pipeline's decide step, so that mail finished by the recovery sweep is filed too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from models import ActionPayload, ImapKeywordPayload, ImapMovePayload, Message, Signal
from triage.config import MailboxSettings

_POSITION = re.compile(r"^imap://(?P<account>[^/]+)/(?P<folder>.*);UIDVALIDITY=(\d+)/;UID=(\d+)$")


class ActionRecorder(Protocol):
    """Records an approved action once (triage.store.actions.ActionStore is the real one)."""

    def record(self, message_id: str, target: str, payload: ActionPayload) -> bool:
        """Record once; False when it was already recorded."""
        ...


def imap_position(account: str, folder: str, uidvalidity: int, uid: int) -> str:
    """Where an IMAP mail came from, as stored on the message."""
    return f"imap://{account}/{folder};UIDVALIDITY={uidvalidity}/;UID={uid}"


@dataclass
class FilingRules:
    """The configured keyword and per-intent moves of every watched mailbox."""

    actions: ActionRecorder
    mailboxes: dict[str, MailboxSettings] = field(default_factory=dict)

    def watch(self, mailbox: MailboxSettings) -> None:
        """Apply this mailbox's filing to its mail (a backfill may name an unconfigured one)."""
        self.mailboxes[mailbox.name] = mailbox

    def record(self, message: Message, signal: Signal) -> int:
        """Record the keyword and move a mail from a watched folder gets; how many."""
        found = _POSITION.match(message.source_position or "") if message.source == "imap" else None
        mailbox = self.mailboxes.get(found["account"]) if found else None
        if found is None or mailbox is None:
            return 0
        where = {
            "account": mailbox.name,
            "folder": found["folder"],
            "uidvalidity": int(found[3]),
            "uid": int(found[4]),
        }
        recorded = 0
        if mailbox.keywords:
            keyword = f"triage/{signal.intent}"
            payload = ImapKeywordPayload(keyword=keyword, **where)
            recorded += self.actions.record(message.id, keyword, payload)
        if signal.intent in mailbox.move_by_intent:
            folder = mailbox.move_by_intent[signal.intent]
            move = ImapMovePayload(destination=folder, **where)
            recorded += self.actions.record(message.id, folder, move)
        return recorded
