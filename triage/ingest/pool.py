"""Parsing (and classifying) fetched IMAP mail next to the fetch: in this process, or in a
pool of worker processes, one per core.

The watcher fetches a batch and hands it here; the answer is a future of one `Prepared` per
fetched mail, in UID order. The watcher stores the answers in UID order and advances the
cursor only with a stored batch, so what a dead worker was given is fetched again. Each
worker builds the cascade once, in its initializer (the model files stay skops); raw bytes
go in and `Message` and `Signal` come back, pickled between our own processes. Mail is
classified before it is stored only when the cascade's answer is final there (no LLM stage,
see MailPipeline.final_stage); otherwise the pipeline classifies it after storage.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

from models import Message, Signal
from parsers import EntityPatterns, ParseOptions
from triage.classify.cascade import Cascade
from triage.config import Settings
from triage.errors import IngestError
from triage.ingest.mailbox import FetchedMail
from triage.pipeline import MailPipeline, imap_position
from triage.pipeline.prepare import classify_each, identify_mail

PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class Prepared:
    """One fetched mail parsed: the message (or why it is not mail) and, when the cascade
    is final before storage, its signal."""

    message: Message | None
    reason: str = ""
    signal: Signal | None = None


@dataclass(frozen=True)
class Place:
    """Where a batch comes from, to name each mail's position."""

    account: str
    folder: str
    uidvalidity: int


class Preparer(Protocol):
    """Parses (and classifies) fetched batches, in this process or in worker processes."""

    depth: int  # batches worth keeping in flight

    def submit(self, batch: list[FetchedMail], place: Place) -> Future[list[Prepared]]:
        """Start preparing a batch; the future's answer is in the batch's order."""
        ...

    def close(self) -> None:
        """Stop the workers (a later submit starts them again)."""
        ...


@dataclass
class Preparation:
    """Parse options and the cascade (None: parse only): the work of one process."""

    options: ParseOptions
    patterns: EntityPatterns | None
    cascade: Cascade | None

    def prepare(self, batch: list[FetchedMail], place: Place) -> list[Prepared]:
        """Parse every mail of a batch, then classify the messages in one batched call."""
        parsed = [
            identify_mail(
                mail.raw,
                source="imap",
                position=imap_position(place.account, place.folder, place.uidvalidity, mail.uid),
                received_at=mail.internal_date,
                options=self.options,
                patterns=self.patterns,
            )
            for mail in batch
        ]
        messages = [m for m, _ in parsed if m is not None]
        signals = classify_each(self.cascade, messages) if self.cascade else {}
        return [
            Prepared(message, reason, _signal(signals.get(message.id)) if message else None)
            for message, reason in parsed
        ]


def _signal(found: Signal | Exception | None) -> Signal | None:
    # A mail the classifier failed on is classified again after storage, where its
    # failure is recorded on it.
    return found if isinstance(found, Signal) else None


@dataclass
class InlinePreparer:
    """Prepares in the calling process (a pool of one)."""

    work: Preparation
    depth: int = 0  # each batch is stored before the next is fetched

    def submit(self, batch: list[FetchedMail], place: Place) -> Future[list[Prepared]]:
        """Prepare now; the future is already done."""
        done: Future[list[Prepared]] = Future()
        try:
            done.set_result(self.work.prepare(batch, place))
        except Exception as exc:  # raised where the answer is read, as from a worker
            done.set_exception(exc)
        return done

    def close(self) -> None:
        """Nothing to stop."""


# The preparation of a worker process, built once by its initializer: a worker's state
# cannot be passed to each call without pickling the model every time.
_worker: Preparation | None = None


def _start_worker(settings: Settings, classify: bool) -> None:
    global _worker
    from triage.runtime import build_cascade  # the worker's own copy of the model

    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()
    cascade = build_cascade(settings) if classify else None
    _worker = Preparation(settings.parse, settings.entities, cascade)


def _exit_with(parent: int) -> None:
    # A worker holds both ends of its task queue, so it would wait for ever for work from
    # a parent that was killed (SIGKILL, OOM): it leaves when the parent is gone.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _prepare_in_worker(batch: list[FetchedMail], place: Place) -> list[Prepared]:
    assert _worker is not None, "worker started without its initializer"
    return _worker.prepare(batch, place)


class PoolPreparer:
    """Prepares in worker processes that each load the model once; started on first use."""

    def __init__(self, settings: Settings, workers: int, classify: bool) -> None:
        self._settings = settings
        self._classify = classify
        self.workers = workers
        self.depth = workers * 2
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, batch: list[FetchedMail], place: Place) -> Future[list[Prepared]]:
        """Queue a batch for the next free worker."""
        try:
            return self._executor().submit(_prepare_in_worker, batch, place)
        except BrokenProcessPool as exc:
            self.close()
            raise worker_died(exc) from exc

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn: the watcher runs in threads, and forking a threaded process is unsafe
                self._pool = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._settings, self._classify),
                )
            return self._pool

    def close(self) -> None:
        """Stop the workers; queued batches are dropped (they were not stored)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def worker_died(exc: BaseException) -> IngestError:
    """The error a dead worker process becomes: nothing it held was stored."""
    return IngestError(
        f"a mail parsing worker process died ({exc}); the batches it held were not stored "
        "and are fetched again on the next sync"
    )


def default_workers() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build_preparer(settings: Settings, pipeline: MailPipeline) -> Preparer:
    """A pool of the configured size (default one per core), or in-process for one."""
    workers = settings.pipeline.workers or default_workers()
    if workers <= 1:
        return inline_preparer(pipeline)
    return PoolPreparer(settings, workers, classify=pipeline.final_stage is not None)


def inline_preparer(pipeline: MailPipeline) -> InlinePreparer:
    """Preparing in this process with the pipeline's own parse options and cascade."""
    return InlinePreparer(Preparation(pipeline.options, pipeline.patterns, pipeline.final_stage))
