"""The shipped policy on supplier confirmations and delays: a note and an activity with the
discrepancy table, PO line changes that never run alone, alternatives for the buyer."""

from __future__ import annotations

from datetime import date

from models import (
    ActivityPayload,
    Alternative,
    CustomerUpdatePayload,
    Discrepancy,
    DiscrepancyKind,
    HeldProduct,
    ImpactedOrder,
    IntentScore,
    Link,
    LinkResult,
    NotePayload,
    PoLine,
    Signal,
    SourceKind,
    SupplierCheck,
    SupplierDocument,
    UpdatePoLinesPayload,
)
from triage.policy.decide import decide
from triage.policy.loader import load_policy, parse_policy
from triage.policy.supplier import partial_offer

TODAY = date(2025, 3, 20)
POLICY = load_policy()
P00021 = Link(model="purchase.order", record_id=7, display_name="P00021", found_by="x")
IBERICA = Link(model="res.partner", record_id=21, display_name="Carlos Ruiz", found_by="sender")
LINES = [
    PoLine(id=21, product_id=1, product="[OLV-5L] Olive Oil 5 L", code="OLV-5L", quantity=40,
           price_unit=31.0, date_planned=date(2025, 4, 7), planned_at="2025-04-07 09:00:00"),
    PoLine(id=23, product_id=6, product="[VIN-500] Sherry Vinegar", code="VIN-500", quantity=60,
           price_unit=3.1, date_planned=date(2025, 4, 7), planned_at="2025-04-07 09:00:00"),
]  # fmt: skip


def signal(intent: str = "supplier_confirmation") -> Signal:
    return Signal(message_id="m1", intents=[IntentScore(intent=intent, confidence=0.95)])


def check(*found: Discrepancy) -> SupplierCheck:
    return SupplierCheck(
        purchase_order_id=7,
        purchase_order="P00021",
        documents=[SupplierDocument(source="AB-88231.pdf", kind="pdf")],
        po_lines=LINES,
        discrepancies=list(found),
    )


def date_later(days: int, within: bool) -> Discrepancy:
    return Discrepancy(
        kind=DiscrepancyKind.DATE_LATER, line="[OLV-5L] Olive Oil 5 L", po_line_id=21,
        field="date_planned", ours="2025-04-07", theirs=f"2025-04-{7 + days:02d}",
        delta=days, within_tolerance=within,
    )  # fmt: skip


PRICE_UP = Discrepancy(
    kind=DiscrepancyKind.PRICE_UP, line="[VIN-500] Sherry Vinegar", po_line_id=23,
    field="price_unit", ours="3.10", theirs="3.35", delta=0.25, share=0.25 / 3.1,
)  # fmt: skip


def decided(found: SupplierCheck, intent: str = "supplier_confirmation") -> list[tuple]:
    result = LinkResult(partner=IBERICA, role="supplier", links=[P00021], supplier_checks=[found])
    return [
        (a.kind.value, a.approval, a.payload, a.key)
        for a in decide(signal(intent), result, POLICY, TODAY)
    ]


def test_a_confirmation_as_ordered_only_gets_a_note() -> None:
    (only,) = decided(check())
    kind, approval, payload, _ = only
    assert (kind, approval) == ("note", None) and isinstance(payload, NotePayload)
    assert payload.table is None and "confirmed P00021" in payload.note


def test_differences_give_a_note_and_a_buyer_activity_with_the_table() -> None:
    actions = decided(check(date_later(2, True), PRICE_UP))
    note, activity = actions[0][2], actions[1][2]
    assert isinstance(note, NotePayload) and isinstance(activity, ActivityPayload)
    assert note.table == activity.table
    assert note.table is not None and note.table[0][:4] == ["Line", "Difference", "Ours", "Theirs"]
    assert note.table[1][:4] == ["[OLV-5L] Olive Oil 5 L", "date later", "2025-04-07", "2025-04-09"]
    assert note.table[2][1:5] == ["price up", "3.10", "3.35", "+0.25 (+8.1%)"]
    assert "2 differences (1 date later, 1 price up)" in activity.summary


def test_a_date_within_tolerance_waits_for_an_agent_and_a_price_for_an_approver() -> None:
    updates = [
        a for a in decided(check(date_later(2, True), PRICE_UP)) if a[0] == "update_po_lines"
    ]
    (dates, date_approval, date_payload, date_key), (prices, price_approval, price_payload, _) = (
        updates
    )
    assert (date_approval, price_approval) == ("agent", "approver")
    assert isinstance(date_payload, UpdatePoLinesPayload)
    (change,) = date_payload.changes
    assert (change.line_id, change.ours, change.theirs) == (
        21, "2025-04-07 09:00:00", "2025-04-09 09:00:00"
    )  # fmt: skip
    assert isinstance(price_payload, UpdatePoLinesPayload)
    assert [(c.line_id, c.ours, c.theirs) for c in price_payload.changes] == [(23, "3.10", "3.35")]
    assert date_key != updates[1][3]


def test_a_date_outside_tolerance_is_never_proposed_as_a_change() -> None:
    kinds = [a[0] for a in decided(check(date_later(9, False)))]
    assert kinds == ["note", "activity"]


def test_a_price_change_waits_for_an_approver_even_when_the_rule_says_none() -> None:
    lax = parse_policy(
        """
version: "t"
roles: {supervisor: s@example.com}
rules:
  - id: accept-prices
    when: {intent: [supplier_confirmation]}
    actions:
      - {kind: update_po_lines, target: purchase_order, fields: [price_unit]}
"""
    )
    result = LinkResult(links=[P00021], supplier_checks=[check(PRICE_UP)])
    (action,) = decide(signal(), result, lax, TODAY)
    assert action.approval == "approver" and "always waits for an approver" in action.reason


def test_the_delay_gives_the_buyer_the_alternatives_and_the_customer_a_partial_offer() -> None:
    held = HeldProduct(
        product_id=1, product="Extra Virgin Olive Oil 5 L", code="OLV-5L", needed=20,
        promised=date(2025, 3, 14),
        alternatives=[
            Alternative(kind=SourceKind.STOCK, source_id=2, source="Northwind Rotterdam",
                        available=8, earliest=date(2025, 3, 7), meets_promise=True, covers=8),
            Alternative(kind=SourceKind.VENDOR, source_id=23, source="Olivar del Sur S.L.",
                        lead_days=5, min_qty=20, price=33.5, currency="EUR",
                        earliest=date(2025, 3, 11), meets_promise=True, covers=20),
        ],
    )  # fmt: skip
    order = ImpactedOrder(
        sale_order_id=7, name="S00042", customer="Lopez Catering S.L.", customer_id=10,
        commitment_date=date(2025, 3, 14), new_eta=date(2025, 3, 28), at_risk=True, held=[held],
    )  # fmt: skip
    po = Link(model="purchase.order", record_id=3, display_name="P00017", found_by="x")
    result = LinkResult(links=[po], impacted=[order])
    actions = decide(signal("supplier_delay"), result, POLICY, TODAY)
    buyer = next(a.payload for a in actions if a.target.name == "P00017" and a.kind == "activity")
    assert isinstance(buyer, ActivityPayload) and buyer.table is not None
    assert buyer.table[1] == [
        "S00042", "[OLV-5L] Extra Virgin Olive Oil 5 L", "20", "stock: Northwind Rotterdam",
        "8 on hand", "2025-03-07", "meets (2025-03-14)",
    ]  # fmt: skip
    assert buyer.table[2][3:5] == ["vendor: Olivar del Sur S.L.", "5 days, min 20, 33.5 EUR"]
    update = next(a.payload for a in actions if a.kind == "customer_update")
    assert isinstance(update, CustomerUpdatePayload)
    assert update.facts.partial == ["8 of 20 Extra Virgin Olive Oil 5 L"]


def test_two_rules_for_one_field_are_keyed_apart() -> None:
    both = parse_policy(
        """
version: "t"
roles: {supervisor: s@example.com}
rules:
  - id: dates
    when: {intent: [supplier_confirmation]}
    actions:
      - {kind: update_po_lines, target: purchase_order, fields: [date_planned],
         within_tolerance: true}
      - {kind: update_po_lines, target: purchase_order, fields: [date_planned],
         within_tolerance: false}
"""
    )
    result = LinkResult(
        links=[P00021], supplier_checks=[check(date_later(2, True), date_later(9, False))]
    )
    keys = [a.key for a in decide(signal(), result, both, TODAY)]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_large_quantities_are_written_plainly() -> None:
    held = HeldProduct(
        product_id=1, product="Napkins", needed=1234567,
        alternatives=[Alternative(kind=SourceKind.STOCK, source_id=2, source="Rotterdam",
                                  available=1000000, covers=1000000)],
    )  # fmt: skip
    order = ImpactedOrder(sale_order_id=7, name="S00042", held=[held])
    assert partial_offer(order) == ["1000000 of 1234567 Napkins"]
