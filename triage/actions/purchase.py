"""Apply a supplier's confirmed values to purchase order lines, after an approver said so.

A change is written only while Odoo still holds the value the change was decided against:
a buyer who edited the line in the meantime wins, and the action fails with both values
instead of overwriting approved commercial terms. A retry finds its own earlier writes
(the line already holds the new value) and writes nothing twice. Odoo has no conditional
write over RPC, so an edit landing between our read and our write (milliseconds) still loses;
the chatter note says what was written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models import ActionRecord, LineChange, UpdatePoLinesPayload
from triage.actions.errors import ActionFailed
from triage.errors import OdooUserError, OdooValidationError
from triage.link.port import ErpClient, m2o_id

LINE_MODEL = "purchase.order.line"
OPEN_STATES = ("purchase", "done")  # a confirmed PO is `done` when the company locks it
Poster = Callable[[ActionRecord, str, int, str, list[str]], int]


class PoLineUpdater:
    """Runs update_po_lines actions through the ERP port."""

    def __init__(self, odoo: ErpClient, post_note: Poster) -> None:
        self.odoo = odoo
        self.post_note = post_note

    def run(self, action: ActionRecord, payload: UpdatePoLinesPayload) -> dict[str, Any]:
        """Write each change whose line still holds our value; note what changed on the PO."""
        model, po_id = action.target.model, action.target.record_id
        if model != "purchase.order" or po_id is None:
            raise ActionFailed("update_po_lines needs a purchase order")
        self._check_order(po_id)
        lines = self._lines(po_id, payload.changes)
        stale = [_stale(change, lines) for change in payload.changes]
        if any(stale):
            raise ActionFailed("; ".join(s for s in stale if s) + ": nothing written")
        written = [c for c in payload.changes if not _holds(lines[c.line_id], c, c.theirs)]
        for change in written:
            self._write(change)
        text = "\n".join(f"{c.line}: {c.field} {c.ours} -> {c.theirs}" for c in payload.changes)
        posted = self.post_note(
            action, model, po_id, f"Applied the supplier's values:\n{text}", payload.references
        )
        return {"written": [c.line_id for c in written], "message_id": posted}

    def _check_order(self, po_id: int) -> None:
        rows = self.odoo.read("purchase.order", [po_id], ["state", "name"])
        if not rows:
            raise ActionFailed(f"purchase.order {po_id} does not exist (any more)")
        if rows[0]["state"] not in OPEN_STATES:
            raise ActionFailed(f"{rows[0]['name']} is {rows[0]['state']}: not changed")

    def _lines(self, po_id: int, changes: list[LineChange]) -> dict[int, dict[str, Any]]:
        ids = sorted({c.line_id for c in changes})
        fields = ["order_id", *sorted({c.field for c in changes})]
        rows = {r["id"]: r for r in self.odoo.read(LINE_MODEL, ids, fields)}
        for line_id in ids:
            if line_id not in rows or m2o_id(rows[line_id]["order_id"]) != po_id:
                raise ActionFailed(f"PO line {line_id} is no longer on this purchase order")
        return rows

    def _write(self, change: LineChange) -> None:
        value: Any = change.theirs if change.field == "date_planned" else float(change.theirs)
        try:
            self.odoo.call(
                LINE_MODEL, "write", [[change.line_id], {change.field: value}], {}, once=True
            )
        except (OdooUserError, OdooValidationError) as exc:
            raise ActionFailed(f"Odoo refused to change {change.line}: {exc.message}") from exc


def _holds(line: dict[str, Any], change: LineChange, value: str) -> bool:
    current = line.get(change.field)
    if change.field == "date_planned":
        return str(current or "")[:19] == value[:19]
    try:
        return abs(float(current or 0.0) - float(value)) < 1e-6
    except ValueError:
        return False


def _stale(change: LineChange, lines: dict[int, dict[str, Any]]) -> str:
    """Why a change may not be written: the line holds neither our value nor theirs."""
    line = lines[change.line_id]
    if _holds(line, change, change.ours) or _holds(line, change, change.theirs):
        return ""
    return (
        f"{change.line}: {change.field} is now {line.get(change.field)} in Odoo, "
        f"not {change.ours} as when it was decided"
    )
