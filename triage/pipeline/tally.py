"""Counting what an ingest run did, for the one-line summary the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.store import StoreOutcome, StoreResult


@dataclass
class IngestTally:
    """Counts of what an ingest run did."""

    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, position: str, result: StoreResult) -> None:
        """Count one outcome."""
        if result.outcome is StoreOutcome.STORED:
            self.stored += 1
        elif result.outcome is StoreOutcome.DUPLICATE:
            self.duplicates += 1
        else:
            self.failed += 1
            self.failures.append((position, result.reason))

    def summary(self) -> str:
        """The one-line summary printed at the end of a run."""
        return f"ingested {self.stored}, duplicates {self.duplicates}, failed {self.failed}"
