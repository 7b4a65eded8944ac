"""The shipment store on SQLite and PostgreSQL: events stored once, states never moving back,
exceptions flagged, pickings as far as their least advanced parcel, concurrent writers."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, inspect, text

from models.shipment import ExceptionKind, ShipmentEvent, ShipmentStatus
from parsers import parse_message
from parsers.carriers import read_shipment_events
from tests.conftest import ROOT
from triage.store import make_engine, make_sessionmaker, upgrade
from triage.store.migrate import alembic_config
from triage.store.shipments import ShipmentStore

pytestmark = pytest.mark.integration

CARRIERS = ROOT / "tests" / "fixtures" / "carriers"
T0 = datetime(2025, 3, 11, 8, tzinfo=UTC)
S = ShipmentStatus
X = ExceptionKind
WRITERS = 16


def _events(name: str) -> list[ShipmentEvent]:
    return read_shipment_events(parse_message((CARRIERS / name).read_bytes()))


def _event(
    status: ShipmentStatus | None,
    hours: float,
    source: str = "m1",
    exception: ExceptionKind | None = None,
    number: str = "1ZA4X9170312345676",
) -> ShipmentEvent:
    return ShipmentEvent(
        carrier="ups",
        tracking_number=number,
        status=status,
        exception=exception,
        occurred_at=T0 + timedelta(hours=hours),
        source=source,
    )


@pytest.fixture
def shipments(engine: Engine) -> ShipmentStore:
    return ShipmentStore(make_sessionmaker(engine))


def test_fixture_mails_in_any_order_end_in_the_latest_state(shipments: ShipmentStore) -> None:
    names = [p.name for p in sorted(CARRIERS.glob("*.eml"))]
    random.Random(7).shuffle(names)
    for name in names:
        shipments.record(_events(name))
    dhl = shipments.state("00340434161234567896")
    assert dhl is not None and dhl.status is S.IN_TRANSIT and dhl.open_exception is X.DAMAGED
    ups = shipments.state("1ZV2E4W16804123452")
    assert ups is not None and ups.status is S.DELIVERED
    assert ups.exception is X.DELAYED and ups.open_exception is None  # resolved by delivery
    postnl = shipments.state("3SGHSD123456789")
    assert postnl is not None and postnl.status is S.DELIVERED
    assert postnl.occurred_at == datetime(2025, 3, 13, 13, 2, tzinfo=UTC)
    dpd = shipments.state("01505012345678")
    assert (
        dpd is not None and dpd.status is S.RETURNED and dpd.open_exception is X.RETURNED_TO_SENDER
    )
    express = shipments.state("1234567891")
    assert express is not None and express.location == "Utrecht - Netherlands"
    assert len(shipments.events("1234567891")) == 2  # the notification and its resent copy


def test_a_late_in_transit_does_not_move_a_delivered_parcel_back(shipments: ShipmentStore) -> None:
    first = shipments.record(_events("ups_delivered_html.eml"))
    assert first.added == 1 and first.changes[0].created
    late = shipments.record(_events("ups_delayed_en.eml"))
    assert late.added == 1
    state = shipments.state("1ZV2E4W16804123452")
    assert state is not None and state.status is S.DELIVERED
    assert [c.advanced for c in late.changes] == [False]  # it flagged the delay, moved nothing
    assert state.exception is X.DELAYED and state.open_exception is None
    statuses = [e.status for e in shipments.events("1ZV2E4W16804123452")]
    assert statuses == [S.IN_TRANSIT, S.DELIVERED]  # both kept, oldest first


def test_same_rank_moves_only_to_a_later_time(shipments: ShipmentStore) -> None:
    shipments.record([_event(S.IN_TRANSIT, 5, "a")])
    earlier = shipments.record([_event(S.IN_TRANSIT, 2, "b")])
    assert earlier.added == 1 and not earlier.changed
    later = shipments.record([_event(S.IN_TRANSIT, 7, "c")])
    assert later.changes[0].advanced
    state = shipments.state("1ZA4X9170312345676")
    assert state is not None and state.occurred_at == T0 + timedelta(hours=7)
    assert state.source == "c"


def test_a_duplicate_mail_changes_nothing(shipments: ShipmentStore) -> None:
    events = _events("postnl_delivered_nl.eml")
    assert shipments.record(events).added == 1
    before = shipments.state("3SGHSD123456789")
    again = shipments.record(events)
    assert (again.added, again.duplicates, again.changes) == (0, 1, [])
    resent = shipments.record(_events("dhl_express_delivered_en.eml"))
    copy = shipments.record(_events("dhl_express_delivered_en_resent.eml"))
    assert resent.changed and copy.added == 1 and not copy.changed
    assert shipments.state("3SGHSD123456789") == before
    assert len(shipments.events("3SGHSD123456789")) == 1


def test_an_exception_flags_without_moving_the_milestone(shipments: ShipmentStore) -> None:
    shipments.record(_events("dhl_paket_in_transit_de.eml"))
    damaged = shipments.record(_events("dhl_paket_damaged_de.eml"))
    (change,) = damaged.changes
    assert change.flagged and not change.advanced
    state = change.state
    assert state.status is S.IN_TRANSIT and state.exception is X.DAMAGED
    assert state.exception_at == datetime(2025, 3, 12, 5, 40, tzinfo=UTC)
    assert "beschädigt" in state.exception_detail
    shipments.record([_event(S.DELIVERED, 40, number="00340434161234567896")])
    delivered = shipments.state("00340434161234567896")
    assert delivered is not None and delivered.status is S.DELIVERED
    assert delivered.open_exception is X.DAMAGED  # damage stays flagged: a claim is due


def test_an_older_exception_does_not_replace_a_newer_one(shipments: ShipmentStore) -> None:
    shipments.record([_event(None, 5, "a", X.ADDRESS_PROBLEM)])
    older = shipments.record([_event(None, 1, "b", X.DELAYED)])
    assert older.added == 1 and not older.changed
    state = shipments.state("1ZA4X9170312345676")
    assert state is not None and state.status is None and state.exception is X.ADDRESS_PROBLEM


def test_returned_is_final(shipments: ShipmentStore) -> None:
    shipments.record(_events("dpd_returned_de.eml"))
    shipments.record([_event(S.DELIVERED, 200, number="01505012345678")])
    state = shipments.state("01505012345678")
    assert state is not None and state.status is S.RETURNED


def test_a_picking_is_as_far_as_its_least_advanced_parcel(shipments: ShipmentStore) -> None:
    dispatched = shipments.record(_events("supplier_dispatch_de.eml"), picking_id=42)
    assert dispatched.added == 2
    first, second = "1ZR4T7Y20310987652", "1ZR4T7Y20310987661"
    shipments.record([_event(S.DELIVERED, 30, number=first)])
    shipments.record([_event(S.IN_TRANSIT, 20, number=second, exception=X.DELAYED)])
    shipments.record([_event(S.IN_TRANSIT, 1, number="1ZA4X9170312345676")], picking_id=7)
    picking = shipments.picking(42)
    assert picking is not None and picking.status is S.IN_TRANSIT
    assert picking.exceptions == {second: X.DELAYED}
    assert [p.tracking_number for p in shipments.states_for_picking(42)] == [first, second]
    shipments.record([_event(S.DELIVERED, 31, number=second)])
    done = shipments.picking(42)
    assert done is not None and done.status is S.DELIVERED and done.exceptions == {}
    assert shipments.picking(99) is None


def test_a_later_event_links_a_parcel_to_its_picking_once(shipments: ShipmentStore) -> None:
    shipments.record([_event(S.DISPATCHED, 0)])
    shipments.record([_event(S.IN_TRANSIT, 1)], picking_id=5)
    shipments.record([_event(S.DELIVERED, 2)], picking_id=6)
    state = shipments.state("1ZA4X9170312345676")
    assert state is not None and state.picking_id == 5
    replayed = _events("supplier_dispatch_en.eml")
    shipments.record(replayed)
    assert shipments.record(replayed, picking_id=8).duplicates == 1
    again = shipments.state("5678901233")
    assert again is not None and again.picking_id == 8  # a replay after linking names it


def _history() -> list[ShipmentEvent]:
    """42 distinct events of one parcel: milestones, exceptions and a scan after delivery."""
    events = [_event(S.INFO_RECEIVED, 0, "m0"), _event(S.DISPATCHED, 1, "m1")]
    events += [_event(S.IN_TRANSIT, 2 + h, f"t{h}") for h in range(20)]
    events += [_event(S.OUT_FOR_DELIVERY, 23, "o1"), _event(S.OUT_FOR_DELIVERY, 24, "o2")]
    events += [_event(None, 10, "x1", X.DELAYED), _event(None, 22, "x2", X.DAMAGED)]
    events += [_event(S.DELIVERED, 25, "d1"), _event(S.DELIVERED, 26, "d2")]
    events += [_event(S.IN_TRANSIT, 30, "late")]  # a scan reported after the delivery
    events += [_event(S.IN_TRANSIT, 3 + h, f"u{h}") for h in range(13)]
    return events


def test_concurrent_writers_store_each_event_once_and_end_right(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    history = _history()
    start = threading.Barrier(WRITERS)

    def write(seed: int) -> int:
        mine = make_engine(database_url)  # a process of its own, as far as the database sees
        try:
            events = history[:]
            random.Random(seed).shuffle(events)
            store = ShipmentStore(make_sessionmaker(mine))
            start.wait(timeout=60)
            return store.record(events).added
        finally:
            mine.dispose()

    with ThreadPoolExecutor(WRITERS) as pool:
        added = list(pool.map(write, range(WRITERS)))
    assert sum(added) == len(history) == 42
    reader = make_engine(database_url)
    try:
        store = ShipmentStore(make_sessionmaker(reader))
        assert len(store.events("1ZA4X9170312345676")) == 42
        state = store.state("1ZA4X9170312345676")
    finally:
        reader.dispose()
    assert state is not None
    assert (state.status, state.occurred_at, state.source) == (
        S.DELIVERED,
        T0 + timedelta(hours=26),
        "d2",
    )
    assert state.exception is X.DAMAGED and state.exception_at == T0 + timedelta(hours=22)


def test_migration_upgrades_and_downgrades(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"shipment_events", "shipment_states"} <= tables
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as connection:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    assert "shipment_states" not in inspect(engine).get_table_names()
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM shipment_events")).scalar() == 0
    engine.dispose()
