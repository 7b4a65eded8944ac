"""How a signal is stored (shared by the message store and the pipeline's classify step)."""

from __future__ import annotations

from datetime import UTC, datetime

from models import Signal
from triage.errors import StoreError
from triage.store.tables import SignalRow


def signal_row(signal: Signal) -> SignalRow:
    """The row of a message's signal."""
    if signal.message_id is None:
        raise StoreError("a stored signal needs the id of its message")
    return SignalRow(
        message_id=signal.message_id,
        decided_by=signal.decided_by.value,
        model_version=signal.model_version,
        data=signal.model_dump(mode="json"),
        created_at=datetime.now(UTC),
    )
