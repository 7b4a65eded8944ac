"""The app of one worker process of `triage serve --workers N` (uvicorn spawns N of them).

Every worker answers HTTP and loads the model itself; the one holding the lock that
`triage serve` names also runs the background work (see triage/serve_workers.py).
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from api.app import create_app
from triage.config import get_settings
from triage.serve_workers import die_with_parent, take_background_lock

log = logging.getLogger(__name__)


def create_worker_app() -> FastAPI:
    """The app of one worker; it runs the background work when it wins the lock."""
    die_with_parent()
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)  # a spawned process starts unconfigured
    background = take_background_lock()
    if background:
        log.info("worker %d runs the watchers, the recovery sweep and the outbox", os.getpid())
    return create_app(settings, background=background)
