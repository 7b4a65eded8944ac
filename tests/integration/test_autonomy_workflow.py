"""Earned autonomy through the real pipeline on SQLite and PostgreSQL: what waits, what runs,
what is only recorded, which verdicts count, and concurrent verdicts and pins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from models import ActionRecord, ActionState, AutonomyState, UserRole
from tests.integration.odoo_standin import OdooStandin
from tests.integration.workflow_support import (
    BANK,
    ORDER_STATUS,
    policy_file,
    running,
    settings_for,
)
from tests.unit.test_autonomy_states import Clock, World, write_policy
from triage.approvals import Decider
from triage.autonomy import Autonomy
from triage.policy.loader import PolicyHolder
from triage.runtime import Runtime
from triage.store import MessageStore, make_sessionmaker
from triage.store.audit import AuditStore
from triage.store.autonomy import AutonomyStore
from triage.store.database import transaction
from triage.store.tables import AuditRow

pytestmark = pytest.mark.integration
ALEX = Decider("alex", UserRole.AGENT, "user")
THREADS = 16


def _autonomy(**section: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["autonomy"] = {**data.get("autonomy", {}), **section}

    return edit


@pytest.fixture
def start_runtime(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path, database_url: str
) -> Iterator[Callable[..., Runtime]]:
    """Opens a runtime on the stand-in whose policy has the given autonomy section."""
    opened: list[Any] = []

    def start(**section: Any) -> Runtime:
        policy = policy_file(tmp_path, _autonomy(**section))
        context = running(
            settings_for(odoo_server, tmp_path, trained_model_dir, database_url, policy=policy)
        )
        opened.append(context)
        return context.__enter__()

    yield start
    for context in reversed(opened):
        context.__exit__(None, None, None)


def _ingest(runtime: Runtime, raw: bytes) -> tuple[str, str, list[ActionRecord]]:
    result = runtime.pipeline.accept(raw, source="test", position="autonomy")
    assert result.message_id is not None, result.reason
    signal = runtime.store.signal(result.message_id)
    assert signal is not None
    return (
        result.message_id,
        signal.decided_by.value,
        runtime.actions.for_message(result.message_id),
    )


def test_an_assisted_intent_waits_and_its_approval_counts(
    start_runtime: Callable[..., Runtime],
) -> None:
    runtime = start_runtime(default="assisted")
    message_id, decider, actions = _ingest(runtime, ORDER_STATUS)
    assert [(a.kind, a.state, a.approval) for a in actions] == [
        ("activity", ActionState.PROPOSED, "agent")
    ]
    assert actions[0].reason == (
        f"order_status decided by {decider} is assisted: waits for a person "
        "(n=0, no reviewed decisions in 90 days)"
    )
    runtime.approvals.approve(actions[0].id, ALEX)
    standing = runtime.autonomy.standings()[0]
    assert (standing.intent, standing.decider, standing.n, standing.correct) == (
        "order_status",
        decider,
        1,
        1,
    )
    assert runtime.autonomy.spot_checks() == []


def test_an_autonomous_intent_runs_at_once_and_its_unsampled_correction_does_not_count(
    start_runtime: Callable[..., Runtime],
) -> None:
    runtime = start_runtime(default="autonomous", spot_check_share=0.0)
    message_id, _decider, actions = _ingest(runtime, ORDER_STATUS)
    assert [(a.kind, a.state, a.approval) for a in actions] == [
        ("activity", ActionState.APPROVED, None)
    ]
    runtime.approvals.correct(message_id, "delivery_problem", None, ALEX)
    assert runtime.autonomy.standings() == []


def test_a_high_risk_intent_waits_for_an_approver_even_pinned_autonomous(
    start_runtime: Callable[..., Runtime],
) -> None:
    runtime = start_runtime(default="autonomous")
    for decider in ("rules", "classical", "llm"):
        runtime.autonomy.pin("account_update", decider, AutonomyState.AUTONOMOUS, "user:root")
    message_id, _decider, actions = _ingest(runtime, BANK)
    assert runtime.store.signal(message_id).intent == "account_update"  # type: ignore[union-attr]
    assert actions and all(
        (a.state, a.approval) == (ActionState.PROPOSED, "approver") for a in actions
    )


def test_shadow_records_actions_without_running_them_and_its_confirmation_counts(
    start_runtime: Callable[..., Runtime],
) -> None:
    runtime = start_runtime(default="shadow")
    message_id, decider, actions = _ingest(runtime, ORDER_STATUS)
    assert [(a.kind, a.state) for a in actions] == [("activity", ActionState.SHADOWED)]
    assert f"order_status decided by {decider} is shadow: recorded, not run" in actions[0].reason
    runtime.approvals.confirm(message_id, ALEX)
    assert [(s.n, s.correct) for s in runtime.autonomy.standings()] == [(1, 1)]


def _world(engine: Engine, tmp_path: Path, **section: Any) -> World:
    sessions = make_sessionmaker(engine)
    path = tmp_path / "policy.yaml"
    write_policy(path, **section)
    clock = Clock()
    autonomy = Autonomy(AutonomyStore(sessions), PolicyHolder(path), clock=clock)
    return World(autonomy, MessageStore(sessions), AuditStore(sessions), clock, path, sessions)


def _together(work: Callable[[int], None]) -> None:
    start = threading.Barrier(THREADS)

    def released(i: int) -> None:
        start.wait(timeout=30)
        work(i)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(released, range(THREADS)))


def _events(world: World, event: str) -> int:
    with transaction(world.sessions) as session:
        return int(
            session.scalar(select(func.count(AuditRow.id)).where(AuditRow.event == event)) or 0
        )


def test_concurrent_verdicts_across_the_threshold_promote_once(
    engine: Engine, tmp_path: Path
) -> None:
    # 10/10 confirmed already has a bound of 0.72 >= 0.7: every verdict from the 10th on
    # would promote, so several threads try at once
    world = _world(engine, tmp_path, target=0.7, min_decisions=10, demote_below=0.5)
    mails = [world.mail() for _ in range(THREADS)]
    _together(lambda i: world.autonomy.confirm(mails[i], f"user:p{i}"))
    standing = world.autonomy.standings()[0]
    assert (standing.state, standing.n, standing.correct) == (AutonomyState.AUTONOMOUS, 16, 16)
    assert _events(world, "autonomy_promoted") == 1
    assert _events(world, "autonomy_verdict") == THREADS


def test_concurrent_pins_have_one_winner_per_change(engine: Engine, tmp_path: Path) -> None:
    world = _world(engine, tmp_path)
    _together(lambda i: world.autonomy.pin("payment", "llm", AutonomyState.SHADOW, f"user:a{i}"))
    assert _events(world, "autonomy_pinned") == 1
    _together(lambda i: world.autonomy.pin("payment", "llm", None, f"user:a{i}"))
    assert _events(world, "autonomy_unpinned") == 1
    standing = world.autonomy.standings()[0]
    assert (standing.pinned, standing.state) == (False, AutonomyState.ASSISTED)
