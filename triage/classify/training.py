"""Training data, splits and the `triage train` procedure for the classical model."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sklearn
from sklearn.model_selection import train_test_split

from models import Taxonomy
from triage.classify.classical import ClassicalModel, ModelMetadata, build_pipeline
from triage.classify.evaluation import EvalReport, choose_thresholds, evaluate
from triage.classify.files import read_yaml
from triage.errors import ConfigurationError

BITEXT = "bitext"
TEAM = "team"
FEEDBACK = "feedback"


@dataclass(frozen=True)
class Example:
    """One labelled text and where it came from."""

    text: str
    label: str
    source: str


@dataclass(frozen=True)
class Splits:
    """Train, validation (thresholds) and held-out test (Bitext only: real data)."""

    train: list[Example]
    validation: list[Example]
    test: list[Example]


@dataclass(frozen=True)
class TrainResult:
    """The trained model, its held-out split and the report on it."""

    model: ClassicalModel
    splits: Splits
    report: EvalReport


def read_csv(path: Path, text_col: str, label_col: str) -> list[tuple[str, str]]:
    """(text, label) rows of a CSV file, with a clear error for missing columns."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {text_col, label_col} - set(reader.fieldnames or [])
            if missing:
                raise ConfigurationError(f"{path}: missing columns {sorted(missing)}")
            return [(row[text_col] or "", row[label_col] or "") for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"cannot read {path}: {exc}") from exc


def load_mapping(path: Path) -> dict[str, str]:
    """A label mapping file: `source_label: our_intent`."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping of labels")
    return {str(k): str(v) for k, v in data.items()}


def map_labels(
    rows: Iterable[tuple[str, str]], mapping: dict[str, str], source: str
) -> list[Example]:
    """Examples with labels mapped; an unmapped label is a configuration error."""
    examples = []
    for text, label in rows:
        if label not in mapping:
            raise ConfigurationError(f"label {label!r} has no mapping")
        examples.append(Example(text, mapping[label], source))
    return examples


def load_training_data(data_dir: Path, taxonomy: Taxonomy) -> list[Example]:
    """The Bitext set mapped onto the taxonomy plus the team-written examples."""
    bitext_rows = read_csv(data_dir / "bitext" / "bitext_utterances.csv", "text", "bitext_intent")
    bitext = map_labels(bitext_rows, load_mapping(data_dir / "bitext_mapping.yaml"), BITEXT)
    team_rows = read_csv(data_dir / "team_examples.csv", "text", "intent")
    team = [Example(text, label, TEAM) for text, label in team_rows]
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
) -> TrainResult:
    """Fit on the train split, choose thresholds on validation, score the held-out test."""
    splits = split(examples, seed)
    progress(f"training on {len(splits.train)} examples")
    pipeline = build_pipeline(seed).fit(
        [e.text for e in splits.train], [e.label for e in splits.train]
    )
    digest = data_hash(splits.train)
    metadata = ModelMetadata(
        version=f"{datetime.now(UTC):%Y%m%d}-{digest[:8]}",
        labels=[str(c) for c in pipeline.classes_],
        data_hash=digest,
        created_at=datetime.now(UTC),
        target_precision=target_precision,
        sklearn_version=sklearn.__version__,
    )
    model = ClassicalModel(pipeline, metadata)
    progress(f"choosing thresholds on {len(splits.validation)} validation examples")
    metadata.thresholds = _thresholds(model, splits.validation, target_precision)
    progress(f"evaluating on {len(splits.test)} held-out examples")
    report = score(model, splits.test)
    metadata.metrics = report.model_dump(exclude={"confusion", "labels"})
    return TrainResult(model, splits, report)


def predictions(model: ClassicalModel, texts: list[str]) -> tuple[list[str], list[float]]:
    """Top label and its confidence for each text."""
    if not texts:
        return [], []
    probabilities = model.predict_proba(texts)
    best = probabilities.argmax(axis=1)
    return [model.labels[i] for i in best], [float(probabilities[r, i]) for r, i in enumerate(best)]


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
