"""The classical stage: train -> save -> load -> predict on a small set, and safe loading."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from tests.conftest import ROOT
from triage.classify.classical import (
    METADATA_FILE,
    MODEL_FILE,
    TRUSTED_TYPES,
    ClassicalModel,
    build_pipeline,
    mail_ngrams,
    ngrams,
    untrusted_types,
)
from triage.classify.files import load_taxonomy
from triage.classify.framing import strip_framing
from triage.classify.grams import MailGrams
from triage.classify.training import (
    BITEXT,
    TEAM,
    Example,
    data_hash,
    known_languages,
    load_training_data,
    read_csv,
    split,
    train,
)
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


def _saved_with(tmp_path: Path, pipeline: Pipeline) -> Path:
    """A saved model folder whose model file is `pipeline` (the metadata stays valid)."""
    folder = tmp_path / "model"
    train(SMALL).model.save(folder)
    sio.dump(pipeline, folder / MODEL_FILE)
    return folder


def test_a_model_file_that_calls_getattr_is_refused(tmp_path: Path) -> None:
    # skops serialises the analyzer as a reference to builtins.getattr, which the loader
    # would call: a gadget for reaching any attribute of any object.
    hostile = Pipeline([("features", TfidfVectorizer(analyzer=getattr))])
    folder = _saved_with(tmp_path, hostile)
    with pytest.raises(ConfigurationError, match=r"untrusted types: builtins\.getattr"):
        ClassicalModel.load(folder)


def test_a_type_skops_trusts_by_default_but_we_do_not_use_is_refused(tmp_path: Path) -> None:
    folder = _saved_with(tmp_path, Pipeline([("clf", SVC())]))
    with pytest.raises(ConfigurationError, match=r"untrusted types: sklearn\.svm\._classes\.SVC"):
        ClassicalModel.load(folder)


def test_a_trained_model_needs_nothing_outside_the_trusted_list(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    train(SMALL).model.save(folder)
    assert untrusted_types(folder / MODEL_FILE) == []
    assert "builtins.getattr" not in TRUSTED_TYPES


def test_team_examples_never_reach_the_held_out_split() -> None:
    bitext = [Example(f"where is order {i}", "order_status", BITEXT) for i in range(40)]
    bitext += [Example(f"cancel order {i}", "order_cancel", BITEXT) for i in range(40)]
    splits = split(SMALL + bitext)
    assert splits.test and all(e.source == BITEXT for e in splits.test)
    assert {e.source for e in splits.validation} == {BITEXT, TEAM}
    assert len(splits.train) + len(splits.validation) + len(splits.test) == len(SMALL) + 80


def test_the_languages_of_the_training_data_are_recorded(tmp_path: Path) -> None:
    csv_file = tmp_path / "team.csv"
    csv_file.write_text("text,intent,language\nwo ist meine Bestellung,order_status,de\n")
    assert read_csv(csv_file, "text", "intent")[0].language == "de"
    german = [
        Example(f"wann kommt Auftrag S0007{i} an?", "order_status", TEAM, "de") for i in range(40)
    ]
    stray = [Example("onde está a encomenda?", "order_status", TEAM, "pt")]
    examples = [*(replace(e, language="en") for e in SMALL), *german, *stray]
    assert known_languages(examples) == ["de", "en"]  # one Portuguese row is not enough
    result = train(examples)
    assert result.model.metadata.languages == known_languages(result.splits.train)
    result.model.save(tmp_path / "model")
    assert ClassicalModel.load(tmp_path / "model").metadata.languages == ["de", "en"]


def test_shipped_training_data_keeps_its_languages() -> None:
    examples = load_training_data(ROOT / "data", load_taxonomy())
    assert {e.language for e in examples if e.source == BITEXT} == {"en"}
    assert {"de", "en"} <= {e.language for e in examples if e.source == TEAM}


def test_the_trusted_list_is_the_pipeline_types_plus_the_familiarity_types() -> None:
    pipeline_types = {
        "builtins.dict",
        "builtins.list",
        "builtins.str",
        "builtins.tuple",
        "numpy.float64",
        "numpy.ndarray",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
        "triage.classify.grams.MailGrams",
    }
    # The analyzers of models saved before: the first, and `mail_ngrams` before MailGrams.
    older = {"triage.classify.classical.ngrams", "triage.classify.classical.mail_ngrams"}
    familiarity = {"numpy.float32", "scipy.sparse._csr.csr_matrix"}
    assert TRUSTED_TYPES - pipeline_types == older | familiarity


def test_a_model_saved_with_the_older_analyzer_reads_text_as_it_was_trained(
    tmp_path: Path,
) -> None:
    texts = [e.text for e in SMALL]
    labels = [e.label for e in SMALL]
    pipeline = build_pipeline(features="mail_ngrams")
    pipeline.named_steps["features"].set_params(analyzer=ngrams)
    pipeline.fit(texts, labels)
    result = train(SMALL)
    old = ClassicalModel(pipeline, result.model.metadata)
    old.save(tmp_path / "old")
    loaded = ClassicalModel.load(tmp_path / "old")
    assert loaded.pipeline.named_steps["features"].analyzer is ngrams
    assert (loaded.predict_proba(texts) == old.predict_proba(texts)).all()
    assert any(gram.startswith("#") and len(gram) == 6 for gram in ngrams("delivery"))


def test_a_model_saved_with_string_ngrams_loads_and_reads_text_as_it_was_trained(
    tmp_path: Path,
) -> None:
    texts = [e.text for e in SMALL]
    pipeline = build_pipeline(features="mail_ngrams").fit(texts, [e.label for e in SMALL])
    old = ClassicalModel(pipeline, train(SMALL).model.metadata)
    old.save(tmp_path / "old")
    assert untrusted_types(tmp_path / "old" / MODEL_FILE) == []
    loaded = ClassicalModel.load(tmp_path / "old")
    assert loaded.pipeline.named_steps["features"].analyzer is mail_ngrams
    assert (loaded.predict_proba(texts) == old.predict_proba(texts)).all()


def test_a_new_model_counts_ngrams_with_numpy_and_saves_no_vocabulary_of_strings(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "model"
    train(SMALL).model.save(folder)
    features = ClassicalModel.load(folder).pipeline.named_steps["features"]
    assert isinstance(features, MailGrams)
    assert not hasattr(features, "vocabulary_")


@pytest.mark.parametrize(
    ("framed", "content"),
    [
        (
            "Hi Megan,\n\nWhere is S00042?\n\nBest regards,\nTom Baker\nBaker Ltd",
            "Where is S00042?",
        ),
        (
            "Sehr geehrte Damen und Herren,\nBitte stornieren Sie S00042.\n"
            "Mit freundlichen Grüßen\nJ. Weber",
            "Bitte stornieren Sie S00042.",
        ),
        (
            "Madame, Monsieur,\n\nMerci d'annuler S00042.\n\nCordialement,\nAnne Collet",
            "Merci d'annuler S00042.",
        ),
        (
            "Buenos días:\nNo nos ha llegado la factura.\nUn saludo,\nLuis",
            "No nos ha llegado la factura.",
        ),
        (
            "Gentile cliente,\nla merce è partita oggi.\nCordiali saluti\nMarco",
            "la merce è partita oggi.",
        ),
        (
            "Beste Thijs,\nDe levering is beschadigd.\nMet vriendelijke groet,\nBos",
            "De levering is beschadigd.",
        ),
        (
            "Exmos. Senhores,\nCancelem a encomenda.\nCom os melhores cumprimentos,\nPedro",
            "Cancelem a encomenda.",
        ),
    ],
)
def test_greeting_and_sign_off_are_left_out_in_each_language(framed: str, content: str) -> None:
    assert strip_framing(framed) == content
    assert strip_framing(f"Subject line\n{framed}") == f"Subject line\n{content}"


def test_framing_words_inside_the_request_are_kept() -> None:
    text = "Order S00042\nThank you for the offer, we accept it.\nDear customers like us wait."
    assert strip_framing(text) == text  # a sign-off counts only as a line of its own
    assert strip_framing("Hi Anna,") == "Hi Anna,"  # nothing left: nothing removed


def test_the_model_reads_the_same_features_with_or_without_framing() -> None:
    plain = "Status S00042\nwhen will the order ship?"
    framed = "Status S00042\nHello Anna,\nwhen will the order ship?\nKind regards,\nTom\nBaker Ltd"
    assert mail_ngrams(framed) == mail_ngrams(plain)
