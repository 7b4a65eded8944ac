"""Earned autonomy's service on a real SQLite store: promotion and demotion on the evidence in
the window, pins, unbiased measurement, replays, and the spot-check share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from scipy.stats import binomtest
from sqlalchemy import select

from models import AutonomyState, IntentScore, Signal, Stage
from parsers import parse_message
from triage.autonomy import Autonomy
from triage.errors import NotFound
from triage.policy.loader import DEFAULT_POLICY, PolicyHolder
from triage.store import MessageStore, make_engine, make_sessionmaker, upgrade
from triage.store.audit import AuditStore
from triage.store.autonomy import AutonomyStore
from triage.store.database import transaction
from triage.store.signals import signal_row
from triage.store.tables import AuditRow

START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """The service on a SQLite file, its stores, its clock and its policy file."""

    autonomy: Autonomy
    messages: MessageStore
    audit: AuditStore
    clock: Clock
    policy_path: Path
    sessions: Any
    count: list[int] = field(default_factory=lambda: [0])

    def mail(
        self, intent: str = "order_status", decider: Stage = Stage.CLASSICAL, stored: bool = True
    ) -> str:
        """A stored mail (with its signal when `stored`), decided without actions."""
        self.count[0] += 1
        raw = (
            f"From: a@example.com\r\nSubject: mail {self.count[0]}\r\n"
            f"Message-ID: <m{self.count[0]}@test>\r\n\r\nbody {self.count[0]}\r\n"
        ).encode()
        message_id = self.messages.add(parse_message(raw), raw).message_id
        assert message_id is not None
        signal = Signal(
            message_id=message_id,
            intents=[IntentScore(intent=intent, confidence=0.9)],
            decided_by=decider,
        )
        if stored:
            with transaction(self.sessions) as session:
                session.add(signal_row(signal))
        self.autonomy.decide(message_id, signal, [])
        return message_id


def write_policy(path: Path, **autonomy: Any) -> None:
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["autonomy"] = {**data["autonomy"], **autonomy}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    engine = make_engine(f"sqlite:///{tmp_path / 'triage.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    policy_path = tmp_path / "policy.yaml"
    write_policy(policy_path, target=0.93, min_decisions=50, demote_below=0.9, window_days=30)
    clock = Clock()
    autonomy = Autonomy(AutonomyStore(sessions), PolicyHolder(policy_path), clock=clock)
    yield World(
        autonomy, MessageStore(sessions), AuditStore(sessions), clock, policy_path, sessions
    )
    engine.dispose()


def changes(world: World) -> list[tuple[str, str, int]]:
    """(event, new state, n) of every audited autonomy change."""
    with transaction(world.sessions) as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.event.like("autonomy_%")).order_by(AuditRow.id)
        )
        return [
            (r.event, str(r.detail.get("to", "")), int(r.detail.get("n", 0)))
            for r in rows
            if r.event != "autonomy_verdict"
        ]


def confirm_many(world: World, count: int, intent: str = "order_status") -> None:
    for _ in range(count):
        world.autonomy.confirm(world.mail(intent), "user:anna")


def test_promotion_comes_exactly_when_the_bound_crosses_the_target(world: World) -> None:
    # all confirmed: the bound n/(n + z^2) is 0.9300 first at n = 52 (0.9287 at 50, 0.9300- at 51)
    confirm_many(world, 51)
    standing = world.autonomy.standings()[0]
    assert (standing.state, standing.n, standing.correct) == (AutonomyState.ASSISTED, 51, 51)
    assert standing.lower_bound is not None and standing.lower_bound < 0.93
    assert changes(world) == []
    confirm_many(world, 1)
    assert world.autonomy.state("order_status", "classical") is AutonomyState.AUTONOMOUS
    assert changes(world) == [("autonomy_promoted", "autonomous", 52)]
    standing = world.autonomy.standings()[0]
    assert standing.changed_at == START
    assert "52/52 correct" in standing.change_reason and ">= target 0.93" in standing.change_reason


def test_no_promotion_before_min_decisions_even_with_a_high_bound(world: World) -> None:
    write_policy(world.policy_path, target=0.7, min_decisions=20, demote_below=0.5)
    confirm_many(world, 19)  # 19/19: bound 0.83 >= 0.7, but only 19 reviewed decisions
    assert world.autonomy.state("order_status", "classical") is AutonomyState.ASSISTED
    confirm_many(world, 1)
    assert world.autonomy.state("order_status", "classical") is AutonomyState.AUTONOMOUS


def test_observations_outside_the_window_do_not_count(world: World) -> None:
    confirm_many(world, 40)
    world.clock.now = START + timedelta(days=31)  # the 40 fall out of the 30-day window
    confirm_many(world, 20)
    standing = world.autonomy.standings()[0]
    assert (standing.n, standing.state) == (20, AutonomyState.ASSISTED)
    confirm_many(world, 32)
    assert world.autonomy.state("order_status", "classical") is AutonomyState.AUTONOMOUS
    assert changes(world) == [("autonomy_promoted", "autonomous", 52)]


def test_demotion_below_the_lower_bar(world: World) -> None:
    # autonomous mail is observed only when spot-checked: make every such mail a spot check
    write_policy(
        world.policy_path,
        start={"order_status": "autonomous"},
        target=0.93,
        demote_below=0.9,
        spot_check_share=1.0,
    )
    for i in range(50):
        message_id = world.mail()
        label = "order_status" if i % 10 else "complaint"  # 45/50 right: bound 0.79
        world.autonomy.verdict(message_id, label, "user:anna")
        if i < 49:
            assert world.autonomy.state("order_status", "classical") is AutonomyState.AUTONOMOUS
    assert world.autonomy.state("order_status", "classical") is AutonomyState.ASSISTED
    assert changes(world) == [("autonomy_demoted", "assisted", 50)]
    assert "45/50 correct" in world.autonomy.standings()[0].change_reason


def test_a_pin_holds_against_the_evidence_and_unpinning_resumes(world: World) -> None:
    pinned = world.autonomy.pin("order_status", "classical", AutonomyState.SHADOW, "user:root")
    assert pinned.pinned and pinned.state is AutonomyState.SHADOW
    confirm_many(world, 60)  # shadow mail is observed: enough to promote, but pinned
    assert world.autonomy.state("order_status", "classical") is AutonomyState.SHADOW
    unpinned = world.autonomy.pin("order_status", "classical", None, "user:root")
    assert not unpinned.pinned and unpinned.state is AutonomyState.AUTONOMOUS
    assert changes(world) == [
        ("autonomy_pinned", "shadow", 0),
        ("autonomy_unpinned", "", 60),
        ("autonomy_promoted", "autonomous", 60),
    ]


def test_a_correction_of_autonomous_unsampled_mail_does_not_count(world: World) -> None:
    write_policy(world.policy_path, start={"order_status": "autonomous"}, spot_check_share=0.0)
    world.autonomy.verdict(world.mail(), "complaint", "user:anna")
    world.autonomy.confirm(world.mail(), "user:anna")
    assert world.autonomy.standings() == []


def test_assisted_confirmations_count_and_a_changed_mind_replaces_the_verdict(
    world: World,
) -> None:
    first, second = world.mail(), world.mail()
    world.autonomy.confirm(first, "user:anna")
    world.autonomy.verdict(second, "complaint", "user:anna")
    standing = world.autonomy.standings()[0]
    assert (standing.n, standing.correct, standing.precision) == (2, 1, 0.5)
    world.autonomy.verdict(first, "payment", "user:ben")  # anna was wrong after all
    world.autonomy.confirm(second, "user:ben")
    standing = world.autonomy.standings()[0]
    assert (standing.n, standing.correct) == (2, 1)
    world.autonomy.confirm(first, "user:ben")
    assert world.autonomy.standings()[0].correct == 2


def test_confirming_an_unknown_message_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.autonomy.confirm("0" * 32, "user:anna")


def test_a_replayed_decision_keeps_its_first_state(world: World) -> None:
    message_id = world.mail()
    world.autonomy.pin("order_status", "classical", AutonomyState.AUTONOMOUS, "user:root")
    signal = Signal(
        message_id=message_id,
        intents=[IntentScore(intent="order_status", confidence=0.9)],
        decided_by=Stage.CLASSICAL,
    )
    world.autonomy.decide(message_id, signal, [])
    world.autonomy.verdict(message_id, "order_status", "user:anna")
    # decided while assisted: the replay under the pin did not turn it autonomous (unobserved)
    assert world.autonomy.standings()[0].n == 1


def test_spot_check_share_over_2000_mails_routed_alone(world: World) -> None:
    write_policy(world.policy_path, start={"order_status": "autonomous"}, spot_check_share=0.05)
    ids = [world.mail(stored=False) for _ in range(2000)]
    queue = world.autonomy.spot_checks(limit=5000)
    picked = len(queue)
    interval = binomtest(picked, 2000, 0.05).proportion_ci(confidence_level=0.999)
    assert interval.low <= 0.05 <= interval.high, picked
    assert {s.message_id for s in queue} <= set(ids)
    for spot in queue[:20]:  # a replay of the decide step picks the same mail, once
        signal = Signal(
            message_id=spot.message_id,
            intents=[IntentScore(intent="order_status", confidence=0.9)],
            decided_by=Stage.CLASSICAL,
        )
        world.autonomy.decide(spot.message_id, signal, [])
    assert len(world.autonomy.spot_checks(limit=5000)) == picked
    # a verdict on a spot-checked mail counts and takes it off the pending queue
    world.autonomy.verdict(queue[0].message_id, "order_status", "user:anna")
    assert len(world.autonomy.spot_checks(limit=5000)) == picked - 1
    everything = world.autonomy.spot_checks(pending_only=False, limit=5000)
    assert [s.message_id for s in everything if s.done] == [queue[0].message_id]
    assert world.autonomy.standings()[0].n == 1


def test_the_llm_is_never_promoted_on_evidence_alone(world: World) -> None:
    for _ in range(60):
        world.autonomy.confirm(world.mail("order_status", Stage.LLM), "user:anna")
    standing = next(s for s in world.autonomy.standings() if s.decider == "llm")
    assert standing.n == 60 and (standing.lower_bound or 0.0) >= 0.93  # a classical pair's bar
    assert world.autonomy.state("order_status", "llm") is AutonomyState.ASSISTED
    assert changes(world) == []
    world.autonomy.pin("order_status", "llm", AutonomyState.AUTONOMOUS, "user:ada")
    assert world.autonomy.state("order_status", "llm") is AutonomyState.AUTONOMOUS  # by a person
