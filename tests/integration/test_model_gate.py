"""`triage train` with feedback: the promotion gate refuses a worse model, audited and shown."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parsers import message_from_text
from tests.conftest import ROOT
from triage.classify.classical import ClassicalModel
from triage.classify.gate import (
    MODEL_REFUSED,
    MODEL_SWITCHED,
    in_gate_slice,
    last_model_decision,
    split_reviewed,
)
from triage.classify.training import TEAM, Example, train
from triage.cli import app
from triage.config import Settings, get_settings
from triage.runtime import feedback_examples
from triage.store import MessageStore, make_engine, make_sessionmaker, upgrade
from triage.store.audit import AuditStore
from triage.store.feedback import FeedbackStore

pytestmark = pytest.mark.integration
runner = CliRunner()
SHARE = 0.3


def _team_examples() -> list[Example]:
    with (ROOT / "data" / "team_examples.csv").open(newline="", encoding="utf-8") as handle:
        return [Example(row["text"], row["intent"], TEAM) for row in csv.DictReader(handle)]


def _rotated(examples: list[Example]) -> list[Example]:
    """Each text labelled with the next intent in name order: data that teaches wrong intents."""
    names = sorted({e.label for e in examples})
    following = {name: names[(i + 1) % len(names)] for i, name in enumerate(names)}
    return [Example(e.text, following[e.label], e.source) for e in examples]


def _data_folder(folder: Path, examples: list[Example]) -> Path:
    """A `--data` folder with no Bitext rows and these team examples."""
    (folder / "bitext").mkdir(parents=True)
    (folder / "bitext" / "bitext_utterances.csv").write_text("text,bitext_intent\n")
    (folder / "bitext_mapping.yaml").write_text("{}\n")
    with (folder / "team_examples.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent"])
        writer.writerows((e.text, e.label) for e in examples)
    return folder


class Stores:
    """The CLI's database, opened by the test to add reviewed mail and read the audit."""

    def __init__(self, settings: Settings) -> None:
        self.engine = make_engine(settings.sqlalchemy_url)
        upgrade(self.engine)
        sessions = make_sessionmaker(self.engine)
        self.messages = MessageStore(sessions)
        self.feedback = FeedbackStore(sessions)
        self.audit = AuditStore(sessions)

    def review(self, examples: list[Example], user: str = "anna") -> list[str]:
        """Store each text as a mail and record a person's label for it."""
        ids = []
        for example in examples:
            message = message_from_text(example.text, sender="customer@example.com")
            result = self.messages.add(message, example.text.encode())
            assert result.message_id is not None
            assert self.feedback.correct(result.message_id, example.label, None, user, user)
            ids.append(result.message_id)
        return ids


@pytest.fixture
def model_dir(cli_data_dir: Path, trained_model_dir: Path) -> Path:
    """The current model: a copy of the model trained once per test run."""
    folder = cli_data_dir / "models" / "classical"
    shutil.copytree(trained_model_dir, folder)
    return folder


@pytest.fixture
def stores(cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stores]:
    monkeypatch.setenv("TRIAGE_CLASSIFY__GATE__SHARE", str(SHARE))
    get_settings.cache_clear()
    opened = Stores(get_settings())
    yield opened
    opened.engine.dispose()


@pytest.fixture(scope="module")
def team() -> list[Example]:
    return _team_examples()


@pytest.fixture
def reviewed(stores: Stores, team: list[Example]) -> list[str]:
    """150 reviewed messages: their gate slice is larger than the gate's minimum."""
    ids = stores.review(team[::8][:150])
    held_out = [i for i in ids if in_gate_slice(i, SHARE)]
    assert len(held_out) >= get_settings().classify.gate.min_messages
    return ids


def _train(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["train", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_a_worse_candidate_is_refused_and_the_current_model_stays(
    tmp_path: Path, model_dir: Path, stores: Stores, reviewed: list[str], team: list[Example]
) -> None:
    before = ClassicalModel.load(model_dir).version
    bad = _data_folder(tmp_path / "bad", _rotated(team[1::8][:120]))
    code, output = _train("--data", str(bad))
    assert code == 3, output
    assert "Promotion gate" in output and "REFUSED" in output
    assert ClassicalModel.load(model_dir).version == before
    found = last_model_decision(stores.audit)
    assert found is not None
    event, decision = found
    assert event.event == MODEL_REFUSED and event.actor.startswith(("cli:", "train"))
    assert decision.current is not None and decision.current.version == before
    assert decision.candidate.macro_f1 < decision.current.macro_f1
    assert decision.candidate.n == sum(in_gate_slice(i, SHARE) for i in reviewed)
    aside = model_dir.with_name("classical.candidate")
    assert event.detail["saved_in"] == str(aside)
    assert ClassicalModel.load(aside).version == decision.candidate.version != before
    assert f"{decision.current.macro_f1:.3f}" in output
    assert f"{decision.candidate.macro_f1:.3f}" in output
    status = runner.invoke(app, ["status"])
    assert f"model: {before}; last gate decision: refused {decision.candidate.version}" in (
        status.stdout
    ), status.stdout


def test_force_switches_to_a_worse_candidate_and_is_audited_as_forced(
    tmp_path: Path, model_dir: Path, stores: Stores, reviewed: list[str], team: list[Example]
) -> None:
    before = ClassicalModel.load(model_dir).version
    bad = _data_folder(tmp_path / "bad", _rotated(team[1::8][:120]))
    code, output = _train("--data", str(bad), "--force")
    assert code == 0, output
    found = last_model_decision(stores.audit)
    assert found is not None
    event, decision = found
    assert event.event == MODEL_SWITCHED and decision.forced
    assert decision.reason.startswith("forced despite")
    assert ClassicalModel.load(model_dir).version == decision.candidate.version != before
    assert "(forced)" in output


def test_a_better_candidate_switches_and_leaves_no_stale_candidate(
    tmp_path: Path, cli_data_dir: Path, stores: Stores, reviewed: list[str], team: list[Example]
) -> None:
    model_dir = cli_data_dir / "models" / "classical"
    stale = model_dir.with_name("classical.candidate")
    weak = train(_rotated(team[1::8][:120])).model
    weak.save(model_dir)
    weak.save(stale)
    before = ClassicalModel.load(model_dir).version
    good = _data_folder(tmp_path / "good", team[1::8][:120])
    code, output = _train("--data", str(good))
    assert code == 0, output
    found = last_model_decision(stores.audit)
    assert found is not None
    event, decision = found
    assert event.event == MODEL_SWITCHED and decision.judged and not decision.forced
    assert decision.current is not None and decision.current.version == before
    assert decision.candidate.macro_f1 >= decision.current.macro_f1
    assert ClassicalModel.load(model_dir).version == decision.candidate.version
    assert not stale.exists()
    assert f"switched to {decision.candidate.version}" in output


def test_without_enough_reviewed_mail_the_gate_says_so_and_switches(
    tmp_path: Path, model_dir: Path, stores: Stores, team: list[Example]
) -> None:
    stores.review(team[::8][:10])
    bad = _data_folder(tmp_path / "bad", _rotated(team[1::8][:120]))
    code, output = _train("--data", str(bad))
    assert code == 0, output
    assert "no reviewed mail to compare on" in output
    found = last_model_decision(stores.audit)
    assert found is not None and found[1].switch and not found[1].judged


def test_the_slice_is_stable_as_feedback_grows(
    stores: Stores, reviewed: list[str], team: list[Example]
) -> None:
    def held_out() -> set[str]:
        gate, _ = split_reviewed(feedback_examples(stores.messages), SHARE)
        return {e.text for e in gate}

    first = held_out()
    stores.review(team[3::8][:150])
    relabelled = next(i for i in reviewed if in_gate_slice(i, SHARE))
    assert stores.feedback.correct(relabelled, "other", None, "bob", "bob")
    grown = held_out()
    assert first <= grown and len(grown) > len(first)
    gate, trainable = split_reviewed(feedback_examples(stores.messages), SHARE)
    assert {e.text for e in trainable}.isdisjoint(grown)
    relabelled_text = stores.messages.get(relabelled)
    assert relabelled_text is not None
    assert [e.label for e in gate if relabelled_text.text in e.text] == ["other"]
