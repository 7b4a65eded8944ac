"""`triage train`, `triage eval` and `triage classify`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from triage.cli.actor import cli_actor
from triage.errors import ConfigurationError

if TYPE_CHECKING:
    from triage.classify.classical import ClassicalModel
    from triage.classify.evaluation import EvalReport, RoutingReport
    from triage.classify.gate import GateDecision
    from triage.classify.training import Example, TrainResult
    from triage.config import Settings
    from triage.store import MessageStore
    from triage.store.audit import AuditStore

HELDOUT_FILE = "heldout_bitext.csv"
CANDIDATE_SUFFIX = ".candidate"
REFUSED_EXIT = 3
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
    force: Annotated[bool, typer.Option(help="Switch even when the gate refuses")] = False,
) -> None:
    """Train the classical model and switch to it unless it does worse than the current one
    on held-out reviewed mail (the promotion gate); exit 3 when the gate refuses it."""
    from triage.classify.classical import MODEL_FILE
    from triage.classify.files import load_taxonomy
    from triage.classify.gate import judge, split_reviewed
    from triage.classify.training import load_training_data, train
    from triage.config import get_settings
    from triage.runtime import feedback_examples

    settings = get_settings()
    if if_missing and (settings.model_dir / MODEL_FILE).is_file():
        typer.echo(f"model present in {settings.model_dir}; not retraining")
        return
    taxonomy = load_taxonomy(settings.classify.taxonomy)
    examples = load_training_data(data or settings.classify.training_data, taxonomy)
    target = target_precision or settings.classify.target_precision
    gate_settings = settings.classify.gate
    with _stores(settings) as (store, audit):
        gate, trainable = split_reviewed(feedback_examples(store), gate_settings.share)
        result = train(
            examples + trainable,
            target_precision=target,
            progress=lambda m: err.print(f"train: {m}"),
        )
        current = _current_model(settings.model_dir)
        decision = judge(result.model, current, gate, gate_settings, force=force)
        folder = _keep(result.model, decision, settings.model_dir)
        audit.record(
            decision.event, cli_actor(), detail={**decision.detail(), "saved_in": str(folder)}
        )
    _print_decision(decision, folder)
    _print_heldout(result, folder, target)
    if not decision.switch:
        raise typer.Exit(REFUSED_EXIT)


@contextmanager
def _stores(settings: Settings) -> Iterator[tuple[MessageStore, AuditStore]]:
    from triage.store import MessageStore, make_engine, make_sessionmaker, upgrade
    from triage.store.audit import AuditStore

    engine = make_engine(settings.sqlalchemy_url)
    try:
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        yield MessageStore(sessions), AuditStore(sessions)
    finally:
        engine.dispose()


def _current_model(folder: Path) -> ClassicalModel | None:
    from triage.classify.classical import MODEL_FILE
    from triage.runtime import load_model

    # A model that cannot be loaded serves nothing: retraining must still replace it.
    if not (folder / MODEL_FILE).is_file():
        return None  # the first training: nothing to compare with, nothing to warn about
    try:
        return load_model(folder)
    except ConfigurationError as exc:
        err.print(f"train: the current model cannot be loaded ({exc}); replacing it")
        return None


def _keep(model: ClassicalModel, decision: GateDecision, model_dir: Path) -> Path:
    """Save the candidate over the current model, or aside in `<model_dir>.candidate`."""
    aside = model_dir.with_name(f"{model_dir.name}{CANDIDATE_SUFFIX}")
    if not decision.switch:
        model.save(aside)
        return aside
    model.save(model_dir)
    if aside.is_symlink():  # a refused candidate from an earlier run is stale now
        target = aside.resolve()
        aside.unlink()
        shutil.rmtree(target, ignore_errors=True)
    return model_dir


def _print_decision(decision: GateDecision, folder: Path) -> None:
    table = Table(
        "model",
        "version",
        "n",
        "macro-F1",
        "precision",
        "coverage",
        title="Promotion gate: held-out reviewed mail",
    )
    for name, figures in (("current", decision.current), ("candidate", decision.candidate)):
        if figures is None:
            table.add_row(name, "(none)", "", "", "", "")
            continue
        table.add_row(
            name,
            figures.version,
            str(figures.n),
            f"{figures.macro_f1:.3f}",
            f"{figures.precision_at_coverage:.3f}",
            f"{figures.coverage:.1%}",
        )
    out.print(table)
    if decision.switch:
        forced = " (forced)" if decision.forced else ""
        verdict = f"switched to {decision.candidate.version}{forced}: {decision.reason}"
    else:
        kept = decision.current.version if decision.current else "(none)"
        verdict = (
            f"REFUSED: {decision.reason}; kept model {kept}; the candidate is in {folder} "
            "(--force switches to it)"
        )
    out.print(verdict, soft_wrap=True)


def _print_heldout(result: TrainResult, folder: Path, target: float) -> None:
    from triage.classify.training import write_examples

    heldout = folder / HELDOUT_FILE
    write_examples(heldout, result.splits.test)
    report = result.report
    typer.echo(
        f"model {result.model.version} saved to {folder}; held-out Bitext split "
        f"({report.n}) in {heldout}: macro-F1 {report.macro_f1:.3f}, accuracy "
        f"{report.accuracy:.3f}, coverage {report.coverage:.1%} at precision "
        f"{report.precision_at_coverage:.3f} (target {target})"
    )


def eval_command(
    dataset: Annotated[
        Path | None, typer.Argument(exists=True, dir_okay=False, help="Labelled CSV file")
    ] = None,
    text_col: Annotated[str, typer.Option(help="Column with the text")] = "text",
    label_col: Annotated[str, typer.Option(help="Column with the label")] = "intent",
    map_file: Annotated[Path | None, typer.Option("--map", help="YAML label mapping")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON objects")] = False,
    plot: Annotated[Path | None, typer.Option(help="Write PNG plots to this folder")] = None,
    unfamiliar: Annotated[
        bool, typer.Option("--unfamiliar", help="Also report the familiarity check's abstentions")
    ] = False,
    unfamiliar_dir: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            file_okay=False,
            help="A folder of raw mails that are not business mail: share flagged unfamiliar"
            " and share routed alone to a business intent (rules and model, no LLM)",
        ),
    ] = None,
) -> None:
    """Evaluate the saved model on a labelled CSV file and/or a folder of unrelated mail."""
    if dataset is None and unfamiliar_dir is None:
        raise typer.BadParameter("give a labelled CSV file, --unfamiliar-dir, or both")
    from triage.classify.classical import ClassicalModel
    from triage.config import get_settings

    settings = get_settings()
    if dataset is not None:
        model = ClassicalModel.load(settings.model_dir)
        examples = _eval_examples(dataset, text_col, label_col, map_file)
        report = _evaluate_examples(model, examples, unfamiliar, plot)
        if as_json:
            typer.echo(report.model_dump_json())
        else:
            _print_report(report)
    if unfamiliar_dir is not None:
        routing = _route_folder(settings, unfamiliar_dir)
        if as_json:
            typer.echo(routing.model_dump_json())
        else:
            _print_routing(routing)


def _eval_examples(
    dataset: Path, text_col: str, label_col: str, map_file: Path | None
) -> list[Example]:
    from triage.classify.training import Example, load_mapping, map_labels, read_csv

    rows = read_csv(dataset, text_col, label_col)
    if map_file:
        return map_labels(rows, load_mapping(map_file), "eval")
    return [Example(row.text, row.label, "eval", row.language) for row in rows]


def _evaluate_examples(
    model: ClassicalModel, examples: list[Example], unfamiliar: bool, plot: Path | None
) -> EvalReport:
    from triage.classify.evaluation import evaluate
    from triage.classify.training import predictions

    texts = [e.text for e in examples]
    predicted, confidence = predictions(model, texts)
    truth = [e.label for e in examples]
    familiar = None
    if unfamiliar:
        if model.familiarity is None:
            raise typer.BadParameter("the saved model has no familiarity check: retrain it")
        familiar = model.familiarity.familiar(texts).tolist() if texts else []
    meta = model.metadata
    report = evaluate(
        truth, predicted, confidence, meta.thresholds, meta.target_precision, familiar
    )
    if plot:
        from triage.classify.plots import write_plots  # matplotlib, for this option alone

        write_plots(plot, report, truth, predicted, confidence)
    return report


def _route_folder(settings: Settings, folder: Path) -> RoutingReport:
    """Every file under `folder` parsed as a raw mail and classified without the LLM."""
    from models import IntentGroup
    from parsers import parse_message
    from triage.classify.evaluation import routing_report
    from triage.runtime import build_cascade

    cascade = build_cascade(settings)  # no LLM stage passed: rules and the model alone
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    messages = [
        parse_message(p.read_bytes(), position=str(p), options=settings.parse) for p in files
    ]
    business = cascade.taxonomy.in_group(IntentGroup.CUSTOMER, IntentGroup.SUPPLIER)
    return routing_report(cascade.classify_many(messages), business)


def _print_routing(report: RoutingReport) -> None:
    out.print(
        f"n={report.n} mails, {report.checked} reached the classical model: "
        f"{report.unfamiliar_share:.1%} flagged unfamiliar, "
        f"{report.routed_alone_share:.1%} routed alone to a business intent"
    )
    for intent, count in report.routed_alone.items():
        out.print(f"    {count:6d}  {intent}")


def _print_report(report: EvalReport) -> None:
    scores = f"accuracy={report.accuracy:.3f}  macro-F1={report.macro_f1:.3f}"
    out.print(f"n={report.n}  {scores}  ECE={report.ece:.3f}")
    out.print(
        f"coverage {report.coverage:.1%} at precision {report.precision_at_coverage:.3f} "
        f"(target {report.target_precision})"
    )
    if report.unfamiliar_share is not None:
        out.print(
            f"flagged unfamiliar {report.unfamiliar_share:.1%}; with abstention: coverage "
            f"{report.coverage_familiar:.1%} at precision {report.precision_familiar:.3f}"
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
    from parsers import message_from_text, parse_message
    from triage.config import get_settings
    from triage.runtime import classify_once

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
