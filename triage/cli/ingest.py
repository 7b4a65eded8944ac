"""`triage ingest`: files, folders and IMAP backfills, with a progress bar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from triage.config import get_settings
from triage.errors import StoreError, TriageError
from triage.ingest.imap_url import is_imap_url, mailbox_for_url
from triage.ingest.service import build_watchers
from triage.ingest.sources import plan, read_mail
from triage.pipeline import IngestTally
from triage.pipeline.sweep import sweep_once
from triage.runtime import Runtime, opened_runtime
from triage.store import StoreOutcome, StoreResult

err = Console(stderr=True)


def ingest_sources(sources: list[str], since: date | None) -> None:
    """Store every mail found in the files, folders and IMAP URLs exactly once."""
    with opened_runtime(get_settings()) as runtime:
        for url in [s for s in sources if is_imap_url(s)]:
            _backfill(runtime, url, since)
        paths = [Path(s) for s in sources if not is_imap_url(s)]
        if paths:
            ingest_files(runtime, paths)


def _backfill(runtime: Runtime, url: str, since: date | None) -> None:
    mailbox, folder = mailbox_for_url(url, runtime.settings.mailboxes)
    watcher = build_watchers(runtime, [mailbox.model_copy(update={"folders": [folder]})])[0]
    if not watcher.lease.acquire():
        raise TriageError(f"{mailbox.name}/{folder} is being ingested by another process")
    try:
        with _progress() as progress:
            task = progress.add_task(f"{mailbox.name}/{folder}", total=None)
            result = watcher.sync(
                lambda done, total: progress.update(task, completed=done, total=total), since
            )
    finally:
        watcher.close()
        watcher.lease.release()
    typer.echo(f"ingested {result.stored}, duplicates {result.duplicates}, failed {result.failed}")


def ingest_files(runtime: Runtime, paths: list[Path]) -> None:
    """Store the mail in these files and folders, then print the tally and the first failures."""
    files = plan(paths)
    tally = IngestTally()
    sweep_once(runtime.pipeline)  # finish what an earlier run left unfinished
    with _progress() as progress:
        task = progress.add_task("ingesting", total=sum(f.count for f in files))
        for position, raw in read_mail(files):
            tally.add(position, _ingest_one(runtime, raw, position))
            progress.advance(task)
    for position, reason in tally.failures[:20]:
        err.print(f"failed: {position}: {reason}")
    typer.echo(tally.summary())


def _ingest_one(runtime: Runtime, raw: bytes, position: str) -> StoreResult:
    try:
        return runtime.pipeline.accept(raw, source="file", position=position)
    except StoreError as exc:  # count it and go on; a dead database fails every one
        return StoreResult(StoreOutcome.FAILED, None, exc.message)


class RateColumn(ProgressColumn):
    """Messages per second."""

    def render(self, task: Task) -> Text:
        """The task's current rate."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} msg/s" if speed else "- msg/s")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
    )
