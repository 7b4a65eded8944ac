"""The classical stage: TF-IDF word and character n-grams into a calibrated linear model."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import skops.io as sio
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from skops.io.exceptions import UntrustedTypesFoundException

from models import IntentScore
from triage.classify.familiarity import FAMILIARITY_FILE, Familiarity
from triage.classify.framing import strip_framing
from triage.classify.grams import MailGrams
from triage.errors import ConfigurationError

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
MAX_CHARS = 3_000
# Every type a saved pipeline holds, and nothing else (plain JSON values carry no type).
# skops adds its own defaults (every sklearn estimator, numpy ufuncs...) to a trusted list,
# so `untrusted_types` checks the file against this list alone before skops reads it.
TRUSTED_TYPES = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.str",
        "builtins.tuple",
        "numpy.float32",  # the familiarity vectorizer's dtype
        "numpy.float64",
        "numpy.ndarray",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.Pipeline",
        "scipy.sparse._csr.csr_matrix",  # the familiarity check's training rows
        "triage.classify.classical.mail_ngrams",
        "triage.classify.classical.ngrams",
        "triage.classify.grams.MailGrams",
    }
)


class ModelMetadata(BaseModel):
    """What a saved model is: version, labels, data hash, metrics and thresholds."""

    version: str
    labels: list[str]
    data_hash: str
    created_at: datetime
    target_precision: float
    thresholds: dict[str, float] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    sklearn_version: str = ""
    languages: list[str] = Field(default_factory=list)
    familiarity_threshold: float | None = None


def model_text(subject: str, text: str) -> str:
    """The text the model reads: the subject and the new text, capped."""
    return f"{subject}\n{text}"[:MAX_CHARS]


_WORDS = TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode").build_analyzer()
# 2-4: as good as 2-5 on the team's held-out mail and a third fewer features to fit.
_CHARS = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).build_analyzer()
_CHARS_V1 = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()


def mail_ngrams(text: str) -> list[str]:
    """Word 1-2-grams and in-word character 2-4-grams (marked '#') of one text.

    The greeting and sign-off are left out first (`strip_framing`), in training and in use
    alike. The analyzer of models saved before `MailGrams` (grams.py), which counts the same
    n-grams with numpy about four times faster on real mail; kept so those models still read
    text as they were trained to, and for bench/classify.py's comparison."""
    text = strip_framing(text)
    words: list[str] = _WORDS(text)
    return words + ["#" + gram for gram in _CHARS(text)]


def ngrams(text: str) -> list[str]:
    """The features of models saved before `mail_ngrams`: word 1-2-grams, char 2-5-grams.

    A saved model names its analyzer, so this one stays as it was: an older model keeps
    reading text exactly as it was trained to until `triage train` replaces it."""
    words: list[str] = _WORDS(text)
    return words + ["#" + gram for gram in _CHARS_V1(text)]


# How n-grams are counted: "grams" hashes them with numpy (grams.py); "mail_ngrams" builds
# them as strings one text at a time, as models saved before it did (kept for comparison).
Features = Literal["grams", "mail_ngrams"]


def build_pipeline(seed: int = 0, features: Features = "grams") -> Pipeline:
    """An untrained pipeline: TF-IDF n-grams into a multinomial logistic regression.

    Logistic regression is fitted on log-loss, so its probabilities are calibrated by
    construction (the expected calibration error is reported on the held-out split).
    Both kinds of `features` read the same n-grams of the same text."""
    model = LogisticRegression(C=30, max_iter=3000, class_weight="balanced", random_state=seed)
    if features == "mail_ngrams":
        vectorizer = TfidfVectorizer(analyzer=mail_ngrams, sublinear_tf=True, min_df=2)
        return Pipeline([("features", vectorizer), ("clf", model)])
    counts = MailGrams(min_df=2)
    return Pipeline(
        [("features", counts), ("tfidf", TfidfTransformer(sublinear_tf=True)), ("clf", model)]
    )


def compact(pipeline: Pipeline) -> None:
    """Shrink the fitted vectorizer for saving: a plain-int vocabulary, no dropped-term set.

    skops stores every numpy scalar as its own array, so a vocabulary of numpy ints makes
    the file large and slow to load; `stop_words_` only explains what was dropped."""
    vectorizer = pipeline.named_steps["features"]
    if not isinstance(vectorizer, TfidfVectorizer):
        return  # MailGrams keeps arrays only
    vectorizer.vocabulary_ = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    if hasattr(vectorizer, "stop_words_"):
        del vectorizer.stop_words_


class ClassicalModel:
    """A trained pipeline with its metadata."""

    def __init__(
        self, pipeline: Pipeline, metadata: ModelMetadata, familiarity: Familiarity | None = None
    ) -> None:
        self.pipeline = pipeline
        self.metadata = metadata
        self.familiarity = familiarity
        self.labels: list[str] = [str(c) for c in pipeline.classes_]

    @property
    def version(self) -> str:
        """The model version recorded in every signal it produces."""
        return self.metadata.version

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `labels` order."""
        return np.asarray(self.pipeline.predict_proba(texts))

    def rank(self, probabilities: np.ndarray, allowed: set[str] | None = None) -> list[IntentScore]:
        """Intents by probability, renormalised over the allowed ones."""
        pairs = [(label, float(p)) for label, p in zip(self.labels, probabilities, strict=True)]
        if allowed is not None:
            pairs = [(label, p) for label, p in pairs if label in allowed]
        total = sum(p for _, p in pairs) or 1.0
        pairs.sort(key=lambda pair: -pair[1])
        return [IntentScore(intent=label, confidence=min(1.0, p / total)) for label, p in pairs]

    def threshold(self, intent: str) -> float:
        """The confidence an answer for `intent` needs to be routed without review."""
        return self.metadata.thresholds.get(intent, 1.0)

    def save(self, folder: Path) -> None:
        """Write model and metadata, then switch `folder` (a symlink) to them in one rename.

        A reader sees the old model or the new one, never a mix; a crash leaves the old."""
        compact(self.pipeline)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        sio.dump(self.pipeline, staging / MODEL_FILE, compression=8)
        if self.familiarity is not None:
            self.familiarity.save(staging / FAMILIARITY_FILE)
        (staging / METADATA_FILE).write_text(self.metadata.model_dump_json(indent=2))
        previous = folder.resolve() if folder.is_symlink() else None
        if folder.exists() and not folder.is_symlink():
            shutil.rmtree(folder)  # a folder from before models were switched by symlink
        link = folder.with_name(f".{folder.name}.link")
        link.unlink(missing_ok=True)
        link.symlink_to(staging.name)
        os.replace(link, folder)
        if previous is not None and previous != staging.resolve():
            shutil.rmtree(previous, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> ClassicalModel:
        """Load a saved model, refusing any type outside the trusted list.

        A model saved before the familiarity check existed loads without it."""
        model_file, meta_file = folder / MODEL_FILE, folder / METADATA_FILE
        if not model_file.is_file() or not meta_file.is_file():
            raise ConfigurationError(f"no trained model in {folder}: run `triage train`")
        pipeline = _load_trusted(model_file)
        metadata = ModelMetadata.model_validate(json.loads(meta_file.read_text()))
        familiarity_file = folder / FAMILIARITY_FILE
        familiarity = None
        if familiarity_file.is_file() and metadata.familiarity_threshold is not None:
            _refuse_untrusted(familiarity_file)
            familiarity = Familiarity.load(
                familiarity_file, sorted(TRUSTED_TYPES), metadata.familiarity_threshold
            )
        return cls(pipeline, metadata, familiarity)


def _refuse_untrusted(model_file: Path) -> None:
    refused = untrusted_types(model_file)
    if refused:
        raise ConfigurationError(
            f"model {model_file} holds untrusted types: {', '.join(refused)}"
            " (retrain with `triage train`)"
        )


def _load_trusted(model_file: Path) -> Pipeline:
    _refuse_untrusted(model_file)
    try:
        pipeline: Pipeline = sio.load(model_file, trusted=sorted(TRUSTED_TYPES))
    except UntrustedTypesFoundException as exc:
        raise ConfigurationError(f"model {model_file} holds untrusted types: {exc}") from exc
    return pipeline


def untrusted_types(model_file: Path) -> list[str]:
    """The types a skops file names outside `TRUSTED_TYPES`, read without loading it."""
    try:
        with zipfile.ZipFile(model_file) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, RecursionError) as exc:
        raise ConfigurationError(f"model {model_file} is not a skops file: {exc}") from exc
    named: set[str] = set()
    pending: list[Any] = [schema]
    while pending:  # a loop, not recursion: a crafted schema may nest deeply
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            if "__module__" in node and node.get("__loader__") != "JsonNode":
                named.add(f"{node['__module__']}.{node.get('__class__')}")
            pending.extend(node.values())
    return sorted(named - TRUSTED_TYPES)
