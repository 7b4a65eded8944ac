"""`triage train`, `triage eval`, `triage classify` and `triage apikey` from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT
from triage.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(cli_data_dir: Path, monkeypatch: pytest.MonkeyPatch, trained_model_dir: Path) -> Path:
    monkeypatch.setenv("TRIAGE_CLASSIFY__TRAINING_DATA", str(ROOT / "data"))
    shutil.copytree(trained_model_dir, cli_data_dir / "models" / "classical")
    return cli_data_dir


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_train_reports_the_held_out_split_and_eval_reproduces_it(data_dir: Path) -> None:
    shutil.rmtree(data_dir / "models")
    output = _run("train")
    assert "macro-F1" in output and "coverage" in output
    heldout = data_dir / "models" / "classical" / "heldout_bitext.csv"
    report = json.loads(_run("eval", str(heldout), "--json"))
    assert {"accuracy", "macro_f1", "per_intent", "coverage", "precision_at_coverage", "n"} <= set(
        report
    )
    assert report["n"] > 500
    assert report["macro_f1"] >= 0.95
    assert report["precision_at_coverage"] >= 0.97
    assert f"macro-F1 {report['macro_f1']:.3f}" in output


def test_train_if_missing_keeps_the_model() -> None:
    assert "not retraining" in _run("train", "--if-missing")


def test_eval_with_a_mapping_and_plots(tmp_path: Path) -> None:
    dataset = tmp_path / "set.csv"
    dataset.write_text("body,label\nwhere is my order,track\nplease cancel my order,stop\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("track: order_status\nstop: order_cancel\n")
    output = _run(
        "eval",
        str(dataset),
        "--text-col",
        "body",
        "--label-col",
        "label",
        "--map",
        str(mapping),
        "--plot",
        str(tmp_path / "plots"),
    )
    assert "macro-F1" in output and "order_cancel" in output
    for name in ("confusion.png", "coverage.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(b"\x89PNG")


def test_eval_with_unmapped_labels_is_a_clear_error(tmp_path: Path) -> None:
    dataset = tmp_path / "set.csv"
    dataset.write_text("text,intent\nhello,greeting\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("other_label: other\n")
    result = runner.invoke(app, ["eval", str(dataset), "--map", str(mapping)])
    assert result.exit_code != 0
    assert "greeting" in str(result.exception)


def test_classify_text_and_file() -> None:
    signal = json.loads(_run("classify", "Where is my order S00042? It was due yesterday."))
    assert signal["intents"][0]["intent"] in ("order_status", "delivery_problem")
    assert signal["urgency"] != "low"
    bounce = json.loads(_run("classify", str(FIXTURES / "dsn_bounce.eml")))
    assert bounce["intents"][0]["intent"] == "bounce"


def test_apikey_create_prints_a_key_once_and_stores_a_hash(data_dir: Path) -> None:
    key = _run("apikey", "create", "erp").strip()
    assert key.startswith("trg_") and len(key) > 30
    assert key.encode() not in (data_dir / "triage.db").read_bytes()
    duplicate = runner.invoke(app, ["apikey", "create", "erp"])
    assert duplicate.exit_code != 0
    assert "revoked erp" in _run("apikey", "revoke", "erp")
    replacement = _run("apikey", "create", "erp").strip()
    assert replacement.startswith("trg_") and replacement != key
