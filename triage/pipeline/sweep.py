"""The recovery sweep of `triage serve`: at start and then periodically, finish every
stored-but-unfinished mail (whichever door it came through) and retry failed mail."""

from __future__ import annotations

import logging
import threading

from triage.pipeline.service import MailPipeline

log = logging.getLogger(__name__)
BATCH = 200


def sweep_once(pipeline: MailPipeline, stop: threading.Event | None = None) -> int:
    """Work the due messages until none are left (or `stop` is set); how many."""
    total = 0
    while not (stop and stop.is_set()) and (done := pipeline.run_due(BATCH)) > 0:
        total += done
        if done < BATCH:
            break
    return total


def run_sweep(pipeline: MailPipeline, interval: float, stop: threading.Event) -> None:
    """Sweep now and every `interval` seconds until `stop` is set; failures are survived."""
    while not stop.is_set():
        try:
            if done := sweep_once(pipeline, stop):
                log.info("recovery sweep: %d message(s) worked", done)
        except Exception:  # the database may be down: log, wait, go on
            log.exception("recovery sweep failed; retrying")
        stop.wait(interval)
