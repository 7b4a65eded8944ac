"""The classical stage: train -> save -> load -> predict on a small set, and safe loading."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from triage.classify.classical import METADATA_FILE, MODEL_FILE, ClassicalModel
from triage.classify.training import BITEXT, TEAM, Example, data_hash, split, train
from triage.errors import ConfigurationError

SMALL = [
    *(
        Example(f"where is my order S0004{i}, when will it arrive?", "order_status", TEAM)
        for i in range(10)
    ),
    *(
        Example(f"please cancel order S0005{i}, we no longer need it", "order_cancel", TEAM)
        for i in range(10)
    ),
    *(
        Example(f"send me a copy of invoice INV/2025/0001{i}", "invoice_request", TEAM)
        for i in range(10)
    ),
]


def test_train_save_load_predict_round_trip(tmp_path: Path) -> None:
    result = train(SMALL, target_precision=0.9)
    folder = tmp_path / "model"
    result.model.save(folder)
    loaded = ClassicalModel.load(folder)
    texts = ["when will my order arrive?", "cancel the order please", "invoice copy please"]
    assert np.allclose(loaded.predict_proba(texts), result.model.predict_proba(texts))
    best = [loaded.labels[i] for i in loaded.predict_proba(texts).argmax(axis=1)]
    assert best == ["order_status", "order_cancel", "invoice_request"]
    meta = json.loads((folder / METADATA_FILE).read_text())
    assert meta["labels"] == ["invoice_request", "order_cancel", "order_status"]
    assert meta["data_hash"] == data_hash(result.splits.train)
    assert set(meta["thresholds"]) <= set(meta["labels"])


def test_saving_again_switches_the_model_in_one_rename(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    first = train(SMALL)
    first.model.save(folder)
    old_target = folder.resolve()
    first.model.save(folder)
    assert folder.is_symlink() and folder.resolve() != old_target
    assert not old_target.exists()  # the previous version is cleaned up
    assert [p.name for p in tmp_path.iterdir() if p.is_dir() and not p.is_symlink()] == [
        folder.resolve().name
    ]
    assert ClassicalModel.load(folder).version == first.model.version


def test_missing_model_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="triage train"):
        ClassicalModel.load(tmp_path)


def test_untrusted_types_in_a_model_file_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    train(SMALL).model.save(folder)
    model_file = folder / MODEL_FILE
    with zipfile.ZipFile(model_file) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    schema["__module__"], schema["__class__"] = "os", "system"
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(model_file, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ConfigurationError, match="untrusted"):
        ClassicalModel.load(folder)


def test_team_examples_never_reach_the_held_out_split() -> None:
    bitext = [Example(f"where is order {i}", "order_status", BITEXT) for i in range(40)]
    bitext += [Example(f"cancel order {i}", "order_cancel", BITEXT) for i in range(40)]
    splits = split(SMALL + bitext)
    assert splits.test and all(e.source == BITEXT for e in splits.test)
    assert {e.source for e in splits.validation} == {BITEXT, TEAM}
    assert len(splits.train) + len(splits.validation) + len(splits.test) == len(SMALL) + 80
