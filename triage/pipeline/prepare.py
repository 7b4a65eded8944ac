"""The steps before storage that need no database: parse a raw mail, classify parsed mail.

Pure functions of their inputs, so that the IMAP backfill can run them in worker processes
(triage.ingest.pool) as well as in the pipeline's own process.
"""

from __future__ import annotations

import logging
from datetime import datetime

from models import DefectCode, Message, Signal
from parsers import EntityPatterns, ParseOptions, parse_message
from triage.classify.cascade import Cascade

log = logging.getLogger(__name__)


def identify_mail(
    raw: bytes,
    *,
    source: str,
    position: str,
    received_at: datetime | None,
    options: ParseOptions,
    patterns: EntityPatterns | None,
) -> tuple[Message | None, str]:
    """The parsed mail, or None and the reason it is not one."""
    try:
        message = parse_message(
            raw,
            source=source,
            position=position,
            received_at=received_at,
            options=options,
            patterns=patterns,
        )
    except Exception as exc:  # a parser bug must not lose the mail: kept with the reason
        log.exception("parser failed on %s", position)
        return None, f"parser error: {exc!r}"
    if message.has_defect(DefectCode.NOT_MAIL):
        return None, "not mail: no RFC 5322 headers"
    return message, ""


def classify_each(cascade: Cascade, messages: list[Message]) -> dict[str, Signal | Exception]:
    """Signals by message id; one mail the classifier fails on fails alone."""
    if not messages:
        return {}
    try:
        signals = cascade.classify_many(messages)
        return {m.id: s for m, s in zip(messages, signals, strict=True)}
    except Exception:  # find the mail it fails on: one at a time
        log.warning("batch classification failed; classifying %d one by one", len(messages))
    found: dict[str, Signal | Exception] = {}
    for message in messages:
        try:
            found[message.id] = cascade.classify(message)
        except Exception as exc:  # recorded on that message by the pipeline
            found[message.id] = exc
    return found
