"""Shipment events and each parcel's latest state, safe against replays and concurrent writers.

Each event is stored once (unique on tracking number, status, exception, time and source) and
then moves its parcel's state in the same transaction, with statements whose WHERE clause
says "only if this event is ahead": the first event inserts the state (INSERT ... ON CONFLICT
DO NOTHING), a later milestone wins only with a higher rank or the same rank at a later time,
and a later exception replaces the flag. Both are maxima, so the final state is the same
whatever order or interleaving the events arrive in. One transaction per event keeps each
writer holding at most one event key and one state row, so writers cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from models.shipment import (
    ExceptionKind,
    PickingShipment,
    RecordResult,
    ShipmentChange,
    ShipmentEvent,
    ShipmentState,
    ShipmentStatus,
)
from triage.store.database import as_utc, transaction
from triage.store.tables import ShipmentEventRow, ShipmentStateRow

_EVENT = ShipmentEventRow
_STATE = ShipmentStateRow


class ShipmentStore:
    """Records carrier and supplier events; answers the latest state per parcel and picking."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(
        self, events: Iterable[ShipmentEvent], picking_id: int | None = None
    ) -> RecordResult:
        """Store new events, move their parcels' states forward, and say what changed."""
        result = RecordResult()
        for event in events:
            with transaction(self._sessions) as session:
                change = _record_one(session, event, picking_id)
            if change is None:
                result.duplicates += 1
                continue
            result.added += 1
            if change.created or change.advanced or change.flagged:
                result.changes.append(change)
        return result

    def state(self, tracking_number: str) -> ShipmentState | None:
        """The latest known state of one parcel, or None when nothing was recorded."""
        with transaction(self._sessions) as session:
            row = session.get(_STATE, tracking_number)
            return _state(row) if row else None

    def states_for_picking(self, picking_id: int) -> list[ShipmentState]:
        """The states of a picking's parcels, by tracking number."""
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(_STATE)
                .where(_STATE.picking_id == picking_id)
                .order_by(_STATE.tracking_number)
            )
            return [_state(row) for row in rows]

    def picking(self, picking_id: int) -> PickingShipment | None:
        """A picking as far as its least advanced parcel, with its parcels' open exceptions."""
        parcels = self.states_for_picking(picking_id)
        if not parcels:
            return None
        ranks = [p.status.rank if p.status else 0 for p in parcels]
        least = parcels[ranks.index(min(ranks))].status
        exceptions = {
            p.tracking_number: kind for p in parcels if (kind := p.open_exception) is not None
        }
        return PickingShipment(
            picking_id=picking_id, status=least, exceptions=exceptions, parcels=parcels
        )

    def events(self, tracking_number: str) -> list[ShipmentEvent]:
        """Every event recorded for a parcel, oldest first."""
        with transaction(self._sessions) as session:
            rows = session.scalars(
                select(_EVENT)
                .where(_EVENT.tracking_number == tracking_number)
                .order_by(_EVENT.occurred_at, _EVENT.id)
            )
            return [_event(row) for row in rows]


def _record_one(
    session: Session, event: ShipmentEvent, picking_id: int | None
) -> ShipmentChange | None:
    """Store one event and apply it; None when it was already stored."""
    now = datetime.now(UTC)
    at = event.occurred_at.astimezone(UTC)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stored = session.execute(
        insert(_EVENT)
        .values(**_event_values(event, at, now))
        .on_conflict_do_nothing()
        .returning(_EVENT.id)
    ).first()
    if stored is None:
        if picking_id is not None:  # a replay after linking may still name the picking
            _attach(session, event.tracking_number, picking_id)
        return None
    created = (
        session.execute(
            insert(_STATE)
            .values(**_state_values(event, at, now, picking_id))
            .on_conflict_do_nothing()
            .returning(_STATE.tracking_number)
        ).first()
        is not None
    )
    advanced = created and event.status is not None
    flagged = created and event.exception is not None
    if not created:
        advanced = event.status is not None and _advance(session, event, at, now)
        flagged = event.exception is not None and _flag(session, event, at, now)
        if picking_id is not None:
            _attach(session, event.tracking_number, picking_id)
    row = session.get(_STATE, event.tracking_number, populate_existing=True)
    assert row is not None  # inserted above or by a committed writer
    return ShipmentChange(
        event=event, created=created, advanced=advanced, flagged=flagged, state=_state(row)
    )


def _advance(session: Session, event: ShipmentEvent, at: datetime, now: datetime) -> bool:
    """Move the milestone to the event's if it is ahead: higher rank, or same rank and later."""
    assert event.status is not None
    rank = event.status.rank
    ahead = or_(_STATE.rank < rank, and_(_STATE.rank == rank, _STATE.occurred_at < at))
    moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(_STATE)
        .where(_STATE.tracking_number == event.tracking_number, ahead)
        .values(
            status=event.status.value,
            rank=rank,
            occurred_at=at,
            location=event.location,
            source=event.source,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount)


def _flag(session: Session, event: ShipmentEvent, at: datetime, now: datetime) -> bool:
    """Make the event's exception the parcel's latest, if none later is recorded."""
    assert event.exception is not None
    kind = event.exception.value
    later = or_(
        _STATE.exception_at.is_(None),
        _STATE.exception_at < at,
        # Two exceptions at the same instant: the order of their names decides, not arrival.
        and_(_STATE.exception_at == at, _STATE.exception < kind),
    )
    moved: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(_STATE)
        .where(_STATE.tracking_number == event.tracking_number, later)
        .values(exception=kind, exception_at=at, exception_detail=event.detail, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(moved.rowcount)


def _attach(session: Session, tracking_number: str, picking_id: int) -> None:
    """Link the parcel to a picking unless it already has one (the first link stands)."""
    session.execute(
        update(_STATE)
        .where(_STATE.tracking_number == tracking_number, _STATE.picking_id.is_(None))
        .values(picking_id=picking_id)
        .execution_options(synchronize_session=False)
    )


def _event_values(event: ShipmentEvent, at: datetime, now: datetime) -> dict[str, Any]:
    return {
        "tracking_number": event.tracking_number,
        "carrier": event.carrier,
        "status": event.status.value if event.status else "",
        "exception": event.exception.value if event.exception else "",
        "occurred_at": at,
        "location": event.location[:255],
        "detail": event.detail,
        "source": event.source[:255],
        "recorded_at": now,
    }


def _state_values(
    event: ShipmentEvent, at: datetime, now: datetime, picking_id: int | None
) -> dict[str, Any]:
    exception = event.exception
    return {
        "tracking_number": event.tracking_number,
        "carrier": event.carrier,
        "status": event.status.value if event.status else "",
        "rank": event.rank,
        "occurred_at": at,
        "location": event.location[:255] if event.status else "",
        "source": event.source[:255] if event.status else "",
        "exception": exception.value if exception else "",
        "exception_at": at if exception else None,
        "exception_detail": event.detail if exception else "",
        "picking_id": picking_id,
        "updated_at": now,
    }


def _state(row: ShipmentStateRow) -> ShipmentState:
    status = ShipmentStatus(row.status) if row.status else None
    return ShipmentState(
        tracking_number=row.tracking_number,
        carrier=row.carrier,
        status=status,
        occurred_at=as_utc(row.occurred_at) if status else None,
        location=row.location,
        source=row.source,
        exception=ExceptionKind(row.exception) if row.exception else None,
        exception_at=as_utc(row.exception_at) if row.exception_at else None,
        exception_detail=row.exception_detail,
        picking_id=row.picking_id,
        updated_at=as_utc(row.updated_at),
    )


def _event(row: ShipmentEventRow) -> ShipmentEvent:
    return ShipmentEvent(
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        status=ShipmentStatus(row.status) if row.status else None,
        exception=ExceptionKind(row.exception) if row.exception else None,
        occurred_at=as_utc(row.occurred_at),
        location=row.location,
        detail=row.detail,
        source=row.source,
    )
