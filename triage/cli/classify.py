"""`triage train`, `triage eval` and `triage classify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from parsers import message_from_text, parse_message
from triage.classify.classical import MODEL_FILE, ClassicalModel
from triage.classify.evaluation import EvalReport, evaluate
from triage.classify.files import load_taxonomy
from triage.classify.plots import write_plots
from triage.classify.training import (
    Example,
    load_mapping,
    load_training_data,
    map_labels,
    predictions,
    read_csv,
    train,
    write_examples,
)
from triage.config import get_settings
from triage.runtime import classify_once, feedback_examples

HELDOUT_FILE = "heldout_bitext.csv"
out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the classification commands to the CLI."""
    app.command("train")(train_command)
    app.command("eval")(eval_command)
    app.command("classify")(classify_command)


def train_command(
    data: Annotated[Path | None, typer.Option(help="Training data folder")] = None,
    target_precision: Annotated[float | None, typer.Option(help="Precision to route at")] = None,
    if_missing: Annotated[bool, typer.Option(help="Only train when no model is saved")] = False,
) -> None:
    """Train the classical model, evaluate it on held-out Bitext data and save it."""
    settings = get_settings()
    if if_missing and (settings.model_dir / MODEL_FILE).is_file():
        typer.echo(f"model present in {settings.model_dir}; not retraining")
        return
    taxonomy = load_taxonomy(settings.classify.taxonomy)
    examples = load_training_data(data or settings.classify.training_data, taxonomy)
    examples += feedback_examples(settings)
    target = target_precision or settings.classify.target_precision
    result = train(examples, target_precision=target, progress=lambda m: err.print(f"train: {m}"))
    result.model.save(settings.model_dir)
    heldout = settings.model_dir / HELDOUT_FILE
    write_examples(heldout, result.splits.test)
    report = result.report
    typer.echo(
        f"model {result.model.version} saved to {settings.model_dir}; held-out Bitext split "
        f"({report.n}) in {heldout}: macro-F1 {report.macro_f1:.3f}, accuracy "
        f"{report.accuracy:.3f}, coverage {report.coverage:.1%} at precision "
        f"{report.precision_at_coverage:.3f} (target {target})"
    )


def eval_command(
    dataset: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV file")],
    text_col: Annotated[str, typer.Option(help="Column with the text")] = "text",
    label_col: Annotated[str, typer.Option(help="Column with the label")] = "intent",
    map_file: Annotated[Path | None, typer.Option("--map", help="YAML label mapping")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write PNG plots to this folder")] = None,
) -> None:
    """Evaluate the saved model on a labelled CSV file."""
    settings = get_settings()
    model = ClassicalModel.load(settings.model_dir)
    rows = read_csv(dataset, text_col, label_col)
    if map_file:
        examples = map_labels(rows, load_mapping(map_file), "eval")
    else:
        examples = [Example(text, label, "eval") for text, label in rows]
    predicted, confidence = predictions(model, [e.text for e in examples])
    truth = [e.label for e in examples]
    meta = model.metadata
    report = evaluate(truth, predicted, confidence, meta.thresholds, meta.target_precision)
    if plot:
        write_plots(plot, report, truth, predicted, confidence)
    if as_json:
        typer.echo(report.model_dump_json())
    else:
        _print_report(report)


def _print_report(report: EvalReport) -> None:
    scores = f"accuracy={report.accuracy:.3f}  macro-F1={report.macro_f1:.3f}"
    out.print(f"n={report.n}  {scores}  ECE={report.ece:.3f}")
    out.print(
        f"coverage {report.coverage:.1%} at precision {report.precision_at_coverage:.3f} "
        f"(target {report.target_precision})"
    )
    table = Table("intent", "precision", "recall", "F1", "support")
    for intent, s in report.per_intent.items():
        table.add_row(
            intent, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.support)
        )
    out.print(table)
    matrix = Table("true \\ predicted", *[label[:10] for label in report.labels])
    for label, row in zip(report.labels, report.confusion, strict=True):
        matrix.add_row(label, *[str(v) if v else "." for v in row])
    out.print(matrix)


def classify_command(
    target: Annotated[str, typer.Argument(help="A .eml file or the text to classify")],
    subject: Annotated[str, typer.Option(help="Subject, for text")] = "",
    sender: Annotated[str | None, typer.Option("--from", help="Sender address, for text")] = None,
) -> None:
    """Classify a mail file or a text and print the signal as JSON."""
    settings = get_settings()
    path = Path(target)
    if path.is_file():
        raw = path.read_bytes()
        message = parse_message(
            raw, position=target, options=settings.parse, patterns=settings.entities
        )
    else:
        message = message_from_text(
            target, subject=subject, sender=sender, patterns=settings.entities
        )
    signal = classify_once(settings, message)
    typer.echo(json.dumps(signal.model_dump(mode="json"), indent=2, ensure_ascii=False))
