"""The IMAP filer on the one outbox protocol, on SQLite and PostgreSQL: claimed by kind and
folder, keywords before moves, a UIDVALIDITY change given up, failures retried then dead."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from models import ActionState, ImapKeywordPayload, ImapMovePayload, NotePayload, ProposedAction
from parsers import parse_message
from triage.config import MailboxSettings
from triage.errors import MailboxError
from triage.ingest.filing import Filer
from triage.store import MessageStore, make_sessionmaker
from triage.store.actions import MAX_ATTEMPTS, WORKER_KINDS, ActionStore
from triage.store.database import transaction
from triage.store.tables import ActionRow

pytestmark = pytest.mark.integration

UIDVALIDITY = 7
MAILBOX = MailboxSettings(name="orders", host="127.0.0.1", username="orders")


@dataclass
class RecordingMailbox:
    """The two Mailbox calls the filer makes, recorded; `broken` makes them fail."""

    calls: list[tuple[str, int, str]] = field(default_factory=list)
    broken: bool = False

    def add_keywords(self, uid: int, keywords: list[str]) -> None:
        self._call("keyword", uid, ",".join(keywords))

    def move(self, uid: int, folder: str) -> None:
        self._call("move", uid, folder)

    def _call(self, what: str, uid: int, arg: str) -> None:
        if self.broken:
            raise MailboxError("connection reset by peer")
        self.calls.append((what, uid, arg))


@pytest.fixture
def actions(engine: Engine) -> ActionStore:
    return ActionStore(make_sessionmaker(engine))


def stored(store: MessageStore, n: int) -> str:
    raw = f"Message-ID: <file-{n}@example.com>\r\nSubject: mail {n}\r\n\r\nBody {n}.\r\n".encode()
    result = store.add(parse_message(raw), raw)
    assert result.message_id is not None
    return result.message_id


def where(uid: int, folder: str = "INBOX", uidvalidity: int = UIDVALIDITY) -> dict[str, object]:
    return {"account": "orders", "folder": folder, "uidvalidity": uidvalidity, "uid": uid}


def file_mail(actions: ActionStore, message_id: str, uid: int, **place: object) -> None:
    keyword = ImapKeywordPayload.model_validate({"keyword": "triage/bounce", **where(uid, **place)})
    move = ImapMovePayload.model_validate({"destination": "Bounces", **where(uid, **place)})
    assert actions.record(message_id, keyword.keyword, keyword)
    assert actions.record(message_id, move.destination, move)
    assert not actions.record(message_id, move.destination, move)  # recorded once


def state_of(actions: ActionStore, message_id: str) -> dict[str, ActionState]:
    return {a.kind: a.state for a in actions.for_message(message_id)}


def test_keywords_before_moves_each_once_and_only_in_its_folder(
    store: MessageStore, actions: ActionStore
) -> None:
    first, second, elsewhere = stored(store, 1), stored(store, 2), stored(store, 3)
    file_mail(actions, first, 11)
    file_mail(actions, second, 12)
    file_mail(actions, elsewhere, 13, folder="Archive")
    mailbox = RecordingMailbox()
    assert Filer(MAILBOX, "INBOX", actions).run(mailbox, UIDVALIDITY) == 4
    assert mailbox.calls == [
        ("keyword", 11, "triage/bounce"),
        ("keyword", 12, "triage/bounce"),
        ("move", 11, "Bounces"),
        ("move", 12, "Bounces"),
    ]
    done = {"imap_keyword": ActionState.DONE, "imap_move": ActionState.DONE}
    assert state_of(actions, first) == state_of(actions, second) == done
    assert set(state_of(actions, elsewhere).values()) == {ActionState.APPROVED}
    assert Filer(MAILBOX, "INBOX", actions).run(mailbox, UIDVALIDITY) == 0


def test_the_worker_and_the_filer_never_claim_each_others_kinds(
    store: MessageStore, actions: ActionStore
) -> None:
    message_id = stored(store, 1)
    file_mail(actions, message_id, 11)
    note = ProposedAction(payload=NotePayload(note="x"), rule_id="r", policy_version="1")
    actions.propose(message_id, note)
    worker_claim = actions.claim("worker", 60.0, WORKER_KINDS)
    assert worker_claim is not None and worker_claim.kind == "note"
    assert actions.claim("worker", 60.0, WORKER_KINDS) is None
    mailbox = RecordingMailbox()
    assert Filer(MAILBOX, "INBOX", actions).run(mailbox, UIDVALIDITY) == 2
    assert [a.state for a in actions.for_message(message_id)] == [
        ActionState.DONE,
        ActionState.DONE,
        ActionState.RUNNING,  # the note, still the worker's
    ]


def test_a_uidvalidity_change_gives_up_with_the_reason(
    store: MessageStore, actions: ActionStore
) -> None:
    message_id = stored(store, 1)
    file_mail(actions, message_id, 11, uidvalidity=UIDVALIDITY - 1)
    mailbox = RecordingMailbox()
    Filer(MAILBOX, "INBOX", actions).run(mailbox, UIDVALIDITY)
    assert mailbox.calls == []
    for action in actions.for_message(message_id):
        assert action.state is ActionState.DEAD
        assert action.last_error == "UIDVALIDITY changed: the UID is gone"


def test_a_mailbox_failure_is_retried_next_cycle_then_dead(
    store: MessageStore, actions: ActionStore
) -> None:
    message_id = stored(store, 1)
    file_mail(actions, message_id, 11)
    broken = RecordingMailbox(broken=True)
    filer = Filer(MAILBOX, "INBOX", actions)
    with pytest.raises(MailboxError):
        filer.run(broken, UIDVALIDITY)
    assert state_of(actions, message_id) == {
        "imap_keyword": ActionState.FAILED,
        "imap_move": ActionState.APPROVED,  # the move waits for its keyword
    }
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(MailboxError):
            filer.run(broken, UIDVALIDITY)
    keyword = actions.for_message(message_id)[0]
    assert (keyword.state, keyword.attempts) == (ActionState.DEAD, MAX_ATTEMPTS)
    assert "connection reset" in keyword.last_error and keyword.error_class == "technical"
    healthy = RecordingMailbox()
    assert filer.run(healthy, UIDVALIDITY) == 1
    assert healthy.calls == [("move", 11, "Bounces")]


def test_a_wrong_shaped_payload_is_given_up_naming_the_field(
    store: MessageStore, actions: ActionStore, engine: Engine
) -> None:
    message_id = stored(store, 1)
    now = datetime.now(UTC)
    with transaction(make_sessionmaker(engine)) as session:  # as the filer once recorded it
        session.add(
            ActionRow(
                message_id=message_id,
                kind="imap_keyword",
                target="triage/bounce",
                idempotency_key=f"{message_id}:imap_keyword:triage/bounce",
                payload=where(11),
                state=ActionState.APPROVED.value,
                created_at=now,
                updated_at=now,
            )
        )
    mailbox = RecordingMailbox()
    Filer(MAILBOX, "INBOX", actions).run(mailbox, UIDVALIDITY)
    (action,) = actions.for_message(message_id)
    assert mailbox.calls == [] and action.state is ActionState.DEAD
    assert action.last_error == "invalid imap_keyword payload: imap_keyword.keyword: Field required"
    assert action.error_class == "business"
