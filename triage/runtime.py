"""Building the engine's parts from settings, once, for the CLI and the API."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from triage.config import Settings
from triage.ingest.pipeline import Ingestor
from triage.store import MessageStore, make_engine, make_sessionmaker, upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """The configured store and ingestor."""

    settings: Settings
    engine: Engine
    store: MessageStore
    ingestor: Ingestor


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Connect to the database (migrating it when asked) and wire the ingestor."""
    engine = make_engine(settings.sqlalchemy_url)
    if migrate:
        upgrade(engine)
    store = MessageStore(make_sessionmaker(engine))
    ingestor = Ingestor(store, settings.parse, settings.entities)
    return Runtime(settings, engine, store, ingestor)


def describe(settings: Settings) -> str:
    """One line saying what the service runs on."""
    url = make_engine(settings.sqlalchemy_url).url.render_as_string(hide_password=True)
    return f"database {url}; LLM: off; Odoo: off; IMAP: off"
