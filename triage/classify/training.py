"""Training data, splits and the `triage train` procedure for the classical model."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sklearn
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from models import Taxonomy
from triage.classify.classical import ClassicalModel, Features, ModelMetadata, build_pipeline
from triage.classify.evaluation import EvalReport, choose_thresholds, evaluate
from triage.classify.familiarity import Familiarity
from triage.classify.files import read_yaml
from triage.errors import ConfigurationError

BITEXT = "bitext"
TEAM = "team"
FEEDBACK = "feedback"
# A language counts as known to the model from this many training examples on.
MIN_LANGUAGE_EXAMPLES = 20
# Team-written and reviewed rows are business mail; a Bitext row is a short chat line.
# Weighing mail 5x raised macro-F1 on the team's held-out mail from 0.70 to 0.74-0.75.
WRITTEN_WEIGHT = 5.0
# Thresholds come from out-of-fold predictions on the written rows of the train split.
THRESHOLD_FOLDS = 5
# An intent predicted fewer times than this out of fold takes the all-intents threshold.
MIN_THRESHOLD_SUPPORT = 20


@dataclass(frozen=True)
class Example:
    """One labelled text and where it came from."""

    text: str
    label: str
    source: str
    language: str = ""


@dataclass(frozen=True)
class Splits:
    """Train, validation (familiarity threshold; held out from the classifier) and test.

    Routing thresholds come from out-of-fold answers on the train split; the test split is
    Bitext only."""

    train: list[Example]
    validation: list[Example]
    test: list[Example]


@dataclass(frozen=True)
class TrainResult:
    """The trained model, its held-out split and the report on it."""

    model: ClassicalModel
    splits: Splits
    report: EvalReport


class Row(NamedTuple):
    """One CSV row: text, label and (when the file has the column) language."""

    text: str
    label: str
    language: str = ""


def read_csv(
    path: Path, text_col: str, label_col: str, language_col: str = "language"
) -> list[Row]:
    """Rows of a CSV file, with a clear error for missing columns; the language is optional."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {text_col, label_col} - set(reader.fieldnames or [])
            if missing:
                raise ConfigurationError(f"{path}: missing columns {sorted(missing)}")
            return [
                Row(row[text_col] or "", row[label_col] or "", _cell(row, language_col))
                for row in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc


def _cell(row: dict[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def load_mapping(path: Path) -> dict[str, str]:
    """A label mapping file: `source_label: our_intent`."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping of labels")
    return {str(k): str(v) for k, v in data.items()}


def map_labels(
    rows: Iterable[Row], mapping: dict[str, str], source: str, language: str = ""
) -> list[Example]:
    """Examples with labels mapped; an unmapped label is a configuration error."""
    examples = []
    for row in rows:
        if row.label not in mapping:
            raise ConfigurationError(f"label {row.label!r} has no mapping")
        examples.append(Example(row.text, mapping[row.label], source, row.language or language))
    return examples


def load_training_data(data_dir: Path, taxonomy: Taxonomy) -> list[Example]:
    """The Bitext set mapped onto the taxonomy plus the team-written examples."""
    bitext_rows = read_csv(data_dir / "bitext" / "bitext_utterances.csv", "text", "bitext_intent")
    mapping = load_mapping(data_dir / "bitext_mapping.yaml")
    bitext = map_labels(bitext_rows, mapping, BITEXT, language="en")  # Bitext is English
    team_rows = read_csv(data_dir / "team_examples.csv", "text", "intent")
    team = [Example(row.text, row.label, TEAM, row.language) for row in team_rows]
    examples = bitext + team
    unknown = sorted({e.label for e in examples} - set(taxonomy.names))
    if unknown:
        raise ConfigurationError(f"training labels not in the taxonomy: {unknown}")
    return examples


def split(examples: list[Example], seed: int = 13) -> Splits:
    """Bitext 70/15/15 stratified; team and feedback examples 80/20 train/validation only."""
    real = [e for e in examples if e.source == BITEXT]
    written = [e for e in examples if e.source != BITEXT]
    train, rest = _stratified(real, 0.30, seed)
    validation, test = _stratified(rest, 0.50, seed)
    written_train, written_val = _stratified(written, 0.20, seed)
    return Splits(train + written_train, validation + written_val, test)


def _stratified(
    examples: list[Example], share: float, seed: int
) -> tuple[list[Example], list[Example]]:
    if len(examples) < 10:
        return examples, []
    labels = [e.label for e in examples]
    counts = {label: labels.count(label) for label in set(labels)}
    stratify = labels if min(counts.values()) >= 2 else None
    first, second = train_test_split(
        examples, test_size=share, random_state=seed, stratify=stratify
    )
    return list(first), list(second)


def data_hash(examples: Iterable[Example]) -> str:
    """A hash of the training data, recorded with the model and every signal."""
    digest = hashlib.sha256()
    for example in sorted(examples, key=lambda e: (e.label, e.text)):
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()


def train(
    examples: list[Example],
    *,
    target_precision: float = 0.97,
    seed: int = 13,
    progress: Callable[[str], None] = lambda _msg: None,
    features: Features = "grams",
) -> TrainResult:
    """Fit on the train split, choose thresholds out of fold, score the held-out test.

    The validation split stays unseen by the classifier (it sets the familiarity threshold),
    so figures on its team rows are held out. `features` picks how n-grams are counted
    (bench/classify.py trains both)."""
    splits = split(examples, seed)
    progress(f"training on {len(splits.train)} examples")
    pipeline = fit_pipeline(splits.train, seed, features)
    digest = data_hash(splits.train)
    metadata = ModelMetadata(
        version=f"{datetime.now(UTC):%Y%m%d}-{digest[:8]}",
        labels=[str(c) for c in pipeline.classes_],
        data_hash=digest,
        created_at=datetime.now(UTC),
        target_precision=target_precision,
        sklearn_version=sklearn.__version__,
        languages=known_languages(splits.train),
    )
    model = ClassicalModel(pipeline, metadata, fit_familiarity(splits))
    metadata.thresholds = routing_thresholds(
        model, splits, target_precision, seed, progress, features
    )
    if model.familiarity is not None:
        metadata.familiarity_threshold = model.familiarity.threshold
    progress(f"evaluating on {len(splits.test)} held-out examples")
    report = score(model, splits.test)
    metadata.metrics = report.model_dump(exclude={"confusion", "labels"})
    return TrainResult(model, splits, report)


def sample_weights(examples: Iterable[Example]) -> np.ndarray:
    """Per example, its weight in the fit: written mail `WRITTEN_WEIGHT`, a Bitext line 1."""
    return np.asarray([1.0 if e.source == BITEXT else WRITTEN_WEIGHT for e in examples])


def fit_pipeline(examples: list[Example], seed: int, features: Features = "grams") -> Pipeline:
    """A pipeline fitted on these examples, weighted by their source."""
    return build_pipeline(seed, features).fit(
        [e.text for e in examples],
        [e.label for e in examples],
        clf__sample_weight=sample_weights(examples),
    )


def routing_thresholds(
    model: ClassicalModel,
    splits: Splits,
    target: float,
    seed: int,
    progress: Callable[[str], None] = lambda _msg: None,
    features: Features = "grams",
) -> dict[str, float]:
    """Per-intent thresholds from out-of-fold answers on the written train rows.

    Written rows are mail like what the model will route; Bitext lines are easy and would
    make every threshold look safe. Without enough written rows, the validation split
    decides as it did before."""
    held, predicted, confidence = out_of_fold(splits.train, seed, features=features)
    if not held:
        progress(f"choosing thresholds on {len(splits.validation)} validation examples")
        return _thresholds(model, splits.validation, target)
    progress(f"chose thresholds on {len(held)} out-of-fold written examples")
    truth = [e.label for e in held]
    return choose_thresholds(truth, predicted, confidence, target, MIN_THRESHOLD_SUPPORT)


def out_of_fold(
    examples: list[Example],
    seed: int,
    folds: int = THRESHOLD_FOLDS,
    features: Features = "grams",
) -> tuple[list[Example], list[str], list[float]]:
    """The written examples, each answered by a model fitted without it (k-fold).

    Bitext rows, and written rows of an intent with fewer than `folds` of them, stay in
    every fold's training set. Empty when there are too few written rows to fold."""
    counts = Counter(e.label for e in examples if e.source != BITEXT)
    held = [i for i, e in enumerate(examples) if e.source != BITEXT and counts[e.label] >= folds]
    if len({examples[i].label for i in held}) < 2:
        return [], [], []
    labels = [examples[i].label for i in held]
    predicted: dict[int, tuple[str, float]] = {}
    cross = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for _, fold in cross.split(np.zeros(len(held)), labels):
        out = {held[j] for j in fold}
        kept = [e for i, e in enumerate(examples) if i not in out]
        pipeline = fit_pipeline(kept, seed, features)
        answers = _top(pipeline, [examples[i].text for i in sorted(out)])
        predicted.update(zip(sorted(out), zip(*answers, strict=True), strict=True))
    return (
        [examples[i] for i in held],
        [predicted[i][0] for i in held],
        [predicted[i][1] for i in held],
    )


def known_languages(examples: Iterable[Example]) -> list[str]:
    """Languages with at least `MIN_LANGUAGE_EXAMPLES` examples (unmarked ones do not count)."""
    counts = Counter(e.language for e in examples if e.language)
    return sorted(lang for lang, n in counts.items() if n >= MIN_LANGUAGE_EXAMPLES)


def fit_familiarity(splits: Splits) -> Familiarity:
    """The familiarity check on the train texts, its threshold chosen on validation."""
    familiarity = Familiarity.fit([e.text for e in splits.train])
    if splits.validation:
        familiarity.choose_threshold([e.text for e in splits.validation])
    return familiarity


def predictions(model: ClassicalModel, texts: list[str]) -> tuple[list[str], list[float]]:
    """Top label and its confidence for each text."""
    return _top(model.pipeline, texts)


def _top(pipeline: Pipeline, texts: list[str]) -> tuple[list[str], list[float]]:
    if not texts:
        return [], []
    probabilities = np.asarray(pipeline.predict_proba(texts))
    best = probabilities.argmax(axis=1)
    labels = [str(c) for c in pipeline.classes_]
    return [labels[i] for i in best], [float(probabilities[r, i]) for r, i in enumerate(best)]


def _thresholds(model: ClassicalModel, examples: list[Example], target: float) -> dict[str, float]:
    predicted, confidence = predictions(model, [e.text for e in examples])
    return choose_thresholds([e.label for e in examples], predicted, confidence, target)


def score(model: ClassicalModel, examples: list[Example]) -> EvalReport:
    """Evaluate a model on labelled examples with its own thresholds."""
    predicted, confidence = predictions(model, [e.text for e in examples])
    truth = [e.label for e in examples]
    meta = model.metadata
    return evaluate(truth, predicted, confidence, meta.thresholds, meta.target_precision)


def write_examples(path: Path, examples: list[Example]) -> None:
    """Save examples as a CSV with `text` and `intent` columns (e.g. the held-out split)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "intent", "source"])
        writer.writerows((e.text, e.label, e.source) for e in examples)
