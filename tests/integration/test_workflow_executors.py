"""The Odoo executors against both stand-in profiles: cancel read back, a refused cancel is a
business failure, the payment hold per version (18 blocks once, 17 falls back to a person),
chatter bodies as HTML paragraphs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models import ActionRecord, ActionState, Target
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB, FINANCE
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin
from triage.actions.errors import BUSINESS, ActionFailed, classify_failure
from triage.actions.odoo import OdooExecutor
from triage.actions.registry import ExecutorRegistry
from triage.config import OdooSettings
from triage.odoo.adapter import OdooClient

pytestmark = pytest.mark.integration
ODOO_VERSIONS = VERSIONS


def registry_for(server: OdooStandin) -> ExecutorRegistry:
    settings = OdooSettings(
        url=server.url, database=DB, login=BOT, api_key=BOT_API_KEY, timeout_seconds=5
    )
    registry = ExecutorRegistry()
    OdooExecutor(OdooClient(settings), "https://triage.example").register(registry)
    return registry


def action(kind: str, model: str, rid: int, **payload: Any) -> ActionRecord:
    now = datetime.now(UTC)
    return ActionRecord(
        id=41,
        message_id="m-41",
        kind=kind,
        target=Target(model=model, record_id=rid, name=f"{model} {rid}"),
        payload={"intent": "billing_dispute", "references": ["S00042"], **payload},
        state=ActionState.RUNNING,
        created_at=now,
        updated_at=now,
    )


def test_cancel_really_cancels_and_a_retry_is_done_already(odoo_server: OdooStandin) -> None:
    registry = registry_for(odoo_server)
    assert registry.run(action("cancel_order", "sale.order", 7)) == {
        "state": "cancel",
        "already_done": False,
    }
    assert odoo_server.record("sale.order", 7)["state"] == "cancel"  # type: ignore[index]
    (call,) = odoo_server.calls_to("sale.order", "action_cancel")
    assert call.kwargs["context"] == {"disable_cancel_warning": True}
    assert registry.run(action("cancel_order", "sale.order", 7))["already_done"] is True
    assert len(odoo_server.calls_to("sale.order", "action_cancel")) == 1


def test_a_locked_order_fails_as_business_with_odoos_reason(odoo_server: OdooStandin) -> None:
    odoo_server.dataset.tables["sale.order"][7]["locked"] = True
    with pytest.raises(ActionFailed) as failed:
        registry_for(odoo_server).run(action("cancel_order", "sale.order", 7))
    failure = classify_failure(failed.value)
    assert (failure.error_class, failure.retry) == (BUSINESS, False)
    assert "You cannot cancel a locked order. Please unlock it first." in failure.message
    assert odoo_server.record("sale.order", 7)["state"] == "sale"  # type: ignore[index]


def test_a_delivered_order_is_not_cancelled(odoo_server: OdooStandin) -> None:
    with pytest.raises(ActionFailed, match="delivered goods") as failed:
        registry_for(odoo_server).run(action("cancel_order", "sale.order", 11))
    assert classify_failure(failed.value).error_class == BUSINESS
    assert not odoo_server.calls_to("sale.order", "action_cancel")


def test_a_refused_cancel_fails_with_odoos_reason(odoo_server: OdooStandin) -> None:
    odoo_server.inject(
        "odoo_error", model="sale.order", method="action_cancel", name="UserError", message="No"
    )
    with pytest.raises(ActionFailed, match="refused action_cancel.*No"):
        registry_for(odoo_server).run(action("cancel_order", "sale.order", 7))


@pytest.mark.parametrize("odoo_version", ["18.0"], indirect=True)
def test_the_18_hold_blocks_the_payment_once(odoo_server: OdooStandin) -> None:
    registry = registry_for(odoo_server)
    first = registry.run(action("hold_invoice", "account.move", 24))
    assert first["hold"] == "payment_blocked" and first["odoo_version"] == "18.0"
    again = registry.run(action("hold_invoice", "account.move", 24))  # a retry never unblocks
    assert again["already_done"] is True and again["message_id"] == first["message_id"]
    assert odoo_server.record("account.move", 24)["payment_state"] == "blocked"  # type: ignore[index]
    assert len(odoo_server.calls_to("account.move", "action_toggle_block_payment")) == 1
    assert not odoo_server.calls_to("account.move", "write")


@pytest.mark.parametrize("odoo_version", ["18.0"], indirect=True)
def test_the_18_hold_of_a_paid_invoice_fails_with_odoos_reason(odoo_server: OdooStandin) -> None:
    with pytest.raises(ActionFailed, match="You can't block a paid invoice."):
        registry_for(odoo_server).run(action("hold_invoice", "account.move", 21))


@pytest.mark.parametrize("odoo_version", ["17.0"], indirect=True)
def test_the_17_hold_falls_back_to_an_activity_and_a_note(odoo_server: OdooStandin) -> None:
    registry = registry_for(odoo_server)
    done = registry.run(action("hold_invoice", "account.move", 24))
    assert (done["hold"], done["payment_blocked"], done["odoo_version"]) == (
        "activity",
        False,
        "17.0",
    )
    activity = odoo_server.record("mail.activity", done["activity_id"])
    assert activity is not None and activity["user_id"] == 6  # the invoice's user
    assert "cannot block a payment" in activity["note"]
    note = odoo_server.record("mail.message", done["message_id"])
    assert note is not None and "<p>Odoo 17.0 cannot block a payment" in note["body"]
    assert not odoo_server.calls_to("account.move", "write")  # to_check blocks nothing
    again = registry.run(action("hold_invoice", "account.move", 24))
    assert again["already_done"] is True and again["activity_id"] == done["activity_id"]


def test_a_note_with_line_breaks_is_stored_as_paragraphs(odoo_server: OdooStandin) -> None:
    text = "Supplier is late.\nNew date: 20 March <tbc>\n\nCall them."
    done = registry_for(odoo_server).run(action("note", "purchase.order", 3, note=text))
    body = odoo_server.record("mail.message", done["message_id"])["body"]  # type: ignore[index]
    assert body.startswith(
        "<p>Supplier is late.</p><p>New date: 20 March &lt;tbc&gt;</p><p>Call them.</p>"
        "<p>References: S00042</p>"
    )
    assert "[triage action 41]</p>" in body and "\n" not in body
    (call,) = odoo_server.calls_to("purchase.order", "message_post")
    assert call.kwargs["body_is_html"] is True


@pytest.mark.parametrize("odoo_version", ["17.0"], indirect=True)
def test_the_17_hold_goes_to_the_policys_finance_role(odoo_server: OdooStandin) -> None:
    finance = {"role": "finance", "login": FINANCE}
    done = registry_for(odoo_server).run(action("hold_invoice", "account.move", 24, assign=finance))
    activity = odoo_server.record("mail.activity", done["activity_id"])
    assert activity is not None and activity["user_id"] == 8  # the finance login's user


def test_a_server_that_only_answers_with_the_cancel_wizard_is_not_recorded_as_cancelled(
    odoo_server: OdooStandin,
) -> None:
    odoo_server.dataset.company["cancel_wizard_always"] = True
    try:
        with pytest.raises(ActionFailed, match="answered with the cancel wizard") as failed:
            registry_for(odoo_server).run(action("cancel_order", "sale.order", 7))
    finally:
        odoo_server.dataset.company.pop("cancel_wizard_always")
    assert classify_failure(failed.value).error_class == BUSINESS
    assert odoo_server.record("sale.order", 7)["state"] != "cancel"  # type: ignore[index]
