"""The outbox worker: claims due actions, runs them, retries with backoff, escalates.

Runs as a thread inside `triage serve`, or alone with `triage worker`. Several workers (or
processes) may run at once: a claim is a conditional update, so each action runs in one.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time

from models import ActionRecord
from triage.actions.errors import classify_failure
from triage.actions.escalation import Escalator
from triage.actions.outbox import Outbox
from triage.actions.registry import ExecutorRegistry
from triage.config import WorkerSettings
from triage.errors import ConfigurationError
from triage.store.actions import WORKER_KINDS

log = logging.getLogger(__name__)


class Worker:
    """Works the outbox until stopped."""

    def __init__(
        self,
        actions: Outbox,
        executors: ExecutorRegistry,
        settings: WorkerSettings,
        escalator: Escalator | None = None,
        name: str | None = None,
    ) -> None:
        foreign = sorted(set(executors.kinds) - set(WORKER_KINDS))
        if foreign:
            # IMAP filing needs the folder's connection: only that folder's watcher runs it.
            raise ConfigurationError(f"the outbox worker does not run {', '.join(foreign)}")
        self.actions = actions
        self.executors = executors
        self.settings = settings
        self.escalator = escalator
        self.name = name or f"worker:{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._next_escalation = 0.0

    def run_due(self, limit: int = 200) -> int:
        """Run up to `limit` due actions; how many ran."""
        kinds = self.executors.kinds
        done = 0
        while done < limit:
            action = self.actions.claim(self.name, self.settings.stale_after_seconds, kinds)
            if action is None:
                break
            self.execute(action)
            done += 1
        return done

    def execute(self, action: ActionRecord) -> None:
        """Run one claimed action and record the outcome."""
        try:
            detail = self.executors.run(action)
        except Exception as exc:  # every failure is recorded with its reason and class
            failure = classify_failure(exc)
            retry_in = self._backoff(action.attempts) if failure.retry else None
            state = self.actions.failed(
                action.id, self.name, failure.message, failure.error_class, retry_in
            )
            log.warning(
                "action %d (%s) %s: %s [%s]",
                action.id,
                action.kind,
                state,
                failure.message,
                failure.error_class,
            )
            return
        self.actions.done(action.id, self.name, detail)

    def escalate_if_due(self) -> int:
        """Run the escalation check when its interval has passed."""
        if self.escalator is None or time.monotonic() < self._next_escalation:
            return 0
        self._next_escalation = time.monotonic() + self.settings.escalate_every_seconds
        return self.escalator.run()

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; a failure of the loop itself is logged and survived."""
        log.info("%s working the outbox", self.name)
        while not stop.is_set():
            try:
                self.run_due()
                self.escalate_if_due()
            except Exception:  # the database may be down: log, wait, go on
                log.exception("outbox worker cycle failed; retrying")
            stop.wait(self.settings.interval_seconds)

    def _backoff(self, attempts: int) -> float:
        base = min(self.settings.retry_base_seconds * 2**attempts, self.settings.retry_max_seconds)
        return float(base) * random.uniform(0.8, 1.2)
