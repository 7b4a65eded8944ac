"""The familiarity check: saved with the model, abstains on mail unlike the training data."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from models import Signal, Stage
from parsers import message_from_text, parse_message
from tests.conftest import FIXTURES
from triage.classify.cascade import Cascade
from triage.classify.classical import METADATA_FILE, ClassicalModel, untrusted_types
from triage.classify.familiarity import FAMILIARITY_FILE, Familiarity
from triage.classify.files import load_taxonomy
from triage.classify.rules import load_rules
from triage.classify.training import TEAM, Example, train
from triage.cli import app
from triage.errors import ConfigurationError

KERNEL_SUBJECT = "[PATCH v3 2/7] mm/slab: fix use-after-free in kmem_cache_destroy"
KERNEL_PATCH = (
    "The cache is freed before the sysfs kobject is released, so a concurrent reader may "
    "dereference freed memory. Move the kobject_put() after the list removal.\n\n"
    "Signed-off-by: Jane Hacker <jane@kernel.example>\n---\n"
    " mm/slab_common.c | 4 ++--\n 1 file changed, 2 insertions(+), 2 deletions(-)"
)
ORDER_MAIL = (
    "Hello, could you tell me when our order S00042 will be delivered? "
    "We need the goods for next week. Thanks, Anna"
)
SMALL = [
    *(
        Example(f"where is my order S0004{i}, when will it arrive?", "order_status", TEAM, "en")
        for i in range(10)
    ),
    *(
        Example(f"please cancel order S0005{i}, we no longer need it", "order_cancel", TEAM, "en")
        for i in range(10)
    ),
    *(
        Example(f"bitte stornieren Sie den Auftrag S0006{i}", "order_cancel", TEAM, "de")
        for i in range(10)
    ),
]


@pytest.fixture(scope="module")
def model(trained_model_dir: Path) -> ClassicalModel:
    return ClassicalModel.load(trained_model_dir)


def _classify(model: ClassicalModel, text: str, subject: str) -> Signal:
    cascade = Cascade(load_taxonomy(), load_rules(), model)
    return cascade.classify(message_from_text(text, subject=subject, sender="x@shop.example"))


def test_nearest_training_text_scores_highest() -> None:
    familiarity = Familiarity.fit(["where is my order", "cancel my order please", "hello"])
    scores = familiarity.similarity(["where is my order", "kernel patch for the scheduler"])
    assert scores[0] == pytest.approx(1.0, abs=1e-5) and scores[1] == 0.0


def test_threshold_leaves_the_chosen_share_of_held_out_texts_below_it() -> None:
    familiarity = Familiarity.fit([f"order {w} arrives late" for w in "abcdefghij"] * 6)
    held_out = [f"order {w} arrives late today" for w in "abcdefghijklmnopqrst"] * 5
    held_out += ["a patch for the kernel scheduler"]
    threshold = familiarity.choose_threshold(held_out, miss=0.01)
    below = familiarity.similarity(held_out) < threshold
    assert below.mean() <= 0.01 and below[-1]


def test_save_load_round_trip_keeps_the_familiarity_check(tmp_path: Path) -> None:
    result = train(SMALL, target_precision=0.9)
    folder = tmp_path / "model"
    result.model.save(folder)
    loaded = ClassicalModel.load(folder)
    assert loaded.familiarity is not None and result.model.familiarity is not None
    texts = ["when will my order arrive?", "a kernel patch"]
    assert np.allclose(
        loaded.familiarity.similarity(texts), result.model.familiarity.similarity(texts)
    )
    meta = json.loads((folder / METADATA_FILE).read_text())
    assert meta["familiarity_threshold"] == loaded.familiarity.threshold
    assert untrusted_types(folder / FAMILIARITY_FILE) == []


def test_a_kernel_patch_goes_to_review_as_unfamiliar(model: ClassicalModel) -> None:
    signal = _classify(model, KERNEL_PATCH, KERNEL_SUBJECT)
    assert signal.needs_review and signal.review_reason.startswith("unfamiliar: ")
    classical = signal.stages[1]
    assert classical.stage is Stage.CLASSICAL and not classical.certain
    assert classical.reason.startswith("unfamiliar: nearest training example ")


def test_a_business_mail_in_the_training_style_is_routed(model: ClassicalModel) -> None:
    signal = _classify(model, ORDER_MAIL, "Order S00042")
    assert signal.intent == "order_status" and signal.decided_by is Stage.CLASSICAL
    assert not signal.needs_review and "unfamiliar" not in signal.stages[1].reason


def test_a_bounce_decided_by_headers_is_left_to_the_rules(model: ClassicalModel) -> None:
    cascade = Cascade(load_taxonomy(), load_rules(), model)
    signal = cascade.classify(parse_message((FIXTURES / "dsn_bounce.eml").read_bytes()))
    assert signal.intent == "bounce" and signal.decided_by is Stage.RULES
    assert not signal.needs_review


def _old_folder(trained_model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the model as saved before the check existed: no file, no metadata fields."""
    folder = tmp_path / "old"
    shutil.copytree(trained_model_dir, folder)
    (folder / FAMILIARITY_FILE).unlink()
    meta = json.loads((folder / METADATA_FILE).read_text())
    del meta["familiarity_threshold"], meta["languages"]
    (folder / METADATA_FILE).write_text(json.dumps(meta))
    return folder


def test_a_model_saved_without_the_check_loads_and_says_so(
    trained_model_dir: Path, tmp_path: Path
) -> None:
    old = ClassicalModel.load(_old_folder(trained_model_dir, tmp_path))
    assert old.familiarity is None and old.metadata.languages == []
    signal = _classify(old, KERNEL_PATCH, KERNEL_SUBJECT)
    assert "familiarity check skipped" in signal.stages[1].reason
    assert not signal.review_reason.startswith("unfamiliar")


def test_an_untrusted_type_in_the_familiarity_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    train(SMALL).model.save(folder)
    path = folder / FAMILIARITY_FILE
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    schema["content"]["vectorizer"]["__module__"] = "os"
    schema["content"]["vectorizer"]["__class__"] = "system"
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ConfigurationError, match=r"untrusted types: os\.system"):
        ClassicalModel.load(folder)


def test_eval_reports_abstention_and_a_folder_of_unrelated_mail(
    cli_data_dir: Path, trained_model_dir: Path, tmp_path: Path
) -> None:
    shutil.copytree(trained_model_dir, cli_data_dir / "models" / "classical")
    dataset = tmp_path / "set.csv"
    dataset.write_text(f'text,intent\n"{ORDER_MAIL}",order_status\n"{KERNEL_PATCH}",other\n')
    result = CliRunner().invoke(app, ["eval", str(dataset), "--unfamiliar", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["unfamiliar_share"] == 0.5 and report["coverage_familiar"] == 0.5
    mails = tmp_path / "mails" / "lists"
    mails.mkdir(parents=True)
    (mails / "patch.eml").write_text(
        f"From: jane@kernel.example\nTo: lkml@kernel.example\nSubject: {KERNEL_SUBJECT}\n\n"
        f"{KERNEL_PATCH}\n"
    )
    shutil.copy(FIXTURES / "dsn_bounce.eml", tmp_path / "mails" / "bounce.eml")
    result = CliRunner().invoke(
        app, ["eval", "--unfamiliar-dir", str(tmp_path / "mails"), "--json"]
    )
    assert result.exit_code == 0, result.output
    routing = json.loads(result.stdout)
    assert (routing["n"], routing["checked"]) == (2, 1)  # the bounce is decided by the rules
    assert routing["unfamiliar_share"] == 0.5 and routing["routed_alone_share"] == 0.0
