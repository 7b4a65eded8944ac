"""Executors that change Odoo: activities, notes, priority, customer updates, cancel, hold.

Each write first looks for its own earlier result (the action's marker in the note or body,
or the state it sets), so an action retried after a crash or a lost answer acts only once.
A state change is read back: an action is done only when Odoo shows the new state. What
differs between Odoo 17 and 18 (contract.md section 8) is chosen by the server's version.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from models import (
    ActionRecord,
    ActivityPayload,
    Assignee,
    CancelOrderPayload,
    CustomerUpdatePayload,
    HoldInvoicePayload,
    NotePayload,
    PriorityPayload,
    RoleAssignee,
    UpdatePoLinesPayload,
    UserAssignee,
)
from triage.actions.errors import ActionFailed
from triage.actions.purchase import PoLineUpdater
from triage.actions.registry import ExecutorRegistry
from triage.errors import OdooUserError, OdooValidationError
from triage.link.port import ErpClient, m2o_id

# Odoo 18 blocks an invoice's payment (payment_state 'blocked', action_toggle_block_payment);
# Odoo 17 has no payment block: its to_check flag blocks nothing.
PAYMENT_BLOCK_SINCE = 18


OdooWriter = ErpClient  # what the executors need of Odoo


def marker(action: ActionRecord) -> str:
    """The tag that lets a retry find what an earlier attempt already wrote."""
    return f"[triage action {action.id}]"


def paragraphs(text: str) -> str:
    """Plain text as HTML: escaped, one paragraph per non-empty line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())


def html_table(rows: list[list[str]] | None) -> str:
    """Rows as an escaped HTML table, the first row its header ('' when there are none)."""
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in rows[1:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def major_version(version: str) -> int:
    """The major number of an Odoo server_version ("17.0", "18.0+e", "saas~17.1")."""
    found = re.search(r"\d+", version)
    if found is None:
        raise ActionFailed(f"Odoo reported an unreadable version {version!r}")
    return int(found.group())


def record_of(action: ActionRecord) -> tuple[str, int]:
    """The Odoo record an action works on; refused when it names none."""
    model, rid = action.target.model, action.target.record_id
    if not model or rid is None:
        raise ActionFailed(f"{action.kind} needs an Odoo record and has none")
    return model, rid


class OdooExecutor:
    """Runs the Odoo kinds of action: one method per kind."""

    def __init__(self, odoo: OdooWriter, review_url: str) -> None:
        self.odoo = odoo
        self.review_url = review_url.rstrip("/")
        self._model_ids: dict[str, int] = {}

    def register(self, registry: ExecutorRegistry) -> None:
        """Register the method of each Odoo kind."""
        registry.register(ActivityPayload, self.activity)
        registry.register(NotePayload, self.note)
        registry.register(PriorityPayload, self.priority)
        registry.register(CustomerUpdatePayload, self.customer_update)
        registry.register(CancelOrderPayload, self.cancel_order)
        registry.register(HoldInvoicePayload, self.hold_invoice)
        registry.register(UpdatePoLinesPayload, PoLineUpdater(self.odoo, self._post_once).run)

    def activity(self, action: ActionRecord, payload: ActivityPayload) -> dict[str, Any]:
        """Schedule a mail.activity on the record for the assignee."""
        model, rid = record_of(action)
        return self._activity_once(
            action,
            model,
            rid,
            payload.summary,
            payload.note,
            payload.deadline,
            payload.assign,
            payload.references,
            payload.activity_type,
            payload.table,
        )

    def _activity_once(
        self,
        action: ActionRecord,
        model: str,
        rid: int,
        summary: str,
        note: str,
        deadline: date,
        assign: Assignee,
        references: list[str],
        activity_type: str = "mail.mail_activity_data_todo",
        table: list[list[str]] | None = None,
    ) -> dict[str, Any]:
        """Create the action's activity unless an earlier attempt did (found by its marker)."""
        tag = marker(action)
        found = self.odoo.search_read(
            "mail.activity",
            [["res_model", "=", model], ["res_id", "=", rid], ["note", "ilike", tag]],
            ["id"],
            limit=1,
        )
        if found:
            return {"activity_id": found[0]["id"], "already_done": True}
        values: dict[str, Any] = {
            "res_model_id": self._model_id(model),
            "res_id": rid,
            "activity_type_id": self._xmlid(activity_type),
            "summary": summary[:250],
            "note": self._note_html(action, note, references, table),
            "date_deadline": deadline.isoformat(),
        }
        user = self._assignee(assign, model, rid)
        if user is not None:
            values["user_id"] = user
        created = self.odoo.call("mail.activity", "create", [values], {}, once=True)
        return {"activity_id": created, "user_id": user}

    def note(self, action: ActionRecord, payload: NotePayload) -> dict[str, Any]:
        """Post an internal note (the note, else the summary) in the record's chatter."""
        model, rid = record_of(action)
        text = payload.note or payload.summary
        posted = self._post_once(action, model, rid, text, payload.references, payload.table)
        return {"message_id": posted}

    def priority(self, action: ActionRecord, payload: PriorityPayload) -> dict[str, Any]:
        """Mark the record urgent."""
        model, rid = record_of(action)
        self.odoo.call(model, "write", [[rid], {"priority": "1"}], {}, once=True)
        return {"priority": "1"}

    def cancel_order(self, action: ActionRecord, payload: CancelOrderPayload) -> dict[str, Any]:
        """Cancel the sale order (no wizard, no e-mail to the customer) and read the state
        back: done only when Odoo says `cancel`; delivered goods, a lock or a refusal fail."""
        model, rid = record_of(action)
        if self._field(model, rid, "state") == "cancel":
            return {"state": "cancel", "already_done": True}
        delivered = self.odoo.search_read(
            "sale.order.line", [["order_id", "=", rid], ["qty_delivered", ">", 0]], ["name"], 1
        )
        if delivered:
            line = str(delivered[0]["name"]).splitlines()[0]
            raise ActionFailed(f"{model} {rid} has delivered goods ({line}): not cancelled")
        context = {"disable_cancel_warning": True}  # else Odoo 17/18 only return the wizard
        answer = self._refusable(model, rid, "action_cancel", [[rid]], {"context": context})
        state = self._field(model, rid, "state")
        if state != "cancel":
            shown = " (Odoo answered with the cancel wizard)" if isinstance(answer, dict) else ""
            raise ActionFailed(f"Odoo did not cancel {model} {rid}: it is {state}{shown}")
        return {"state": "cancel", "already_done": False}

    def hold_invoice(self, action: ActionRecord, payload: HoldInvoicePayload) -> dict[str, Any]:
        """Hold the invoice from payment and say why in its chatter: Odoo 18 blocks its
        payment; Odoo 17, which cannot, gets an activity to hold it by hand."""
        model, rid = record_of(action)
        version = self.odoo.server_version()
        reason = f"On hold pending the dispute ({payload.intent})."
        if major_version(version) >= PAYMENT_BLOCK_SINCE:
            done = self._block_payment(model, rid)
        else:
            done = self._hold_by_hand(action, payload, model, rid, version)
            reason += f"\nOdoo {version} cannot block a payment: hold it by hand until resolved."
        posted = self._post_once(action, model, rid, reason, payload.references)
        return {**done, "message_id": posted, "odoo_version": version}

    def _block_payment(self, model: str, rid: int) -> dict[str, Any]:
        # The toggle also unblocks: call it only when not blocked yet, so a retry is harmless.
        if self._field(model, rid, "payment_state") == "blocked":
            return {"hold": "payment_blocked", "payment_state": "blocked", "already_done": True}
        self._refusable(model, rid, "action_toggle_block_payment", [[rid]], {})
        state = self._field(model, rid, "payment_state")
        if state != "blocked":
            raise ActionFailed(f"Odoo did not block the payment of {model} {rid}: it is {state}")
        return {"hold": "payment_blocked", "payment_state": "blocked"}

    def _hold_by_hand(
        self,
        action: ActionRecord,
        payload: HoldInvoicePayload,
        model: str,
        rid: int,
        version: str,
    ) -> dict[str, Any]:
        summary = f"Hold the payment of this invoice: disputed ({payload.intent})"
        note = f"Odoo {version} cannot block a payment: keep this invoice out of payment runs."
        created = self._activity_once(
            action, model, rid, summary, note, date.today(), payload.assign, payload.references
        )
        return {"hold": "activity", "payment_blocked": False, **created}

    def _refusable(
        self, model: str, rid: int, method: str, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        """Call a business method once; Odoo's refusal becomes a business failure."""
        try:
            return self.odoo.call(model, method, args, kwargs, once=True)
        except (OdooUserError, OdooValidationError) as exc:
            raise ActionFailed(f"Odoo refused {method} on {model} {rid}: {exc.message}") from exc

    def customer_update(
        self, action: ActionRecord, payload: CustomerUpdatePayload
    ) -> dict[str, Any]:
        """Post the approved draft to the customer, once (found again by its subject)."""
        model, rid = record_of(action)
        draft, customer = payload.draft, payload.facts.customer_id
        if draft is None or not draft.body or not customer:
            raise ActionFailed("the customer update has no draft text or no customer")
        sent = self.odoo.search_read(
            "mail.message",
            [
                ["model", "=", model],
                ["res_id", "=", rid],
                ["subject", "=", draft.subject],
                ["message_type", "=", "comment"],
            ],
            ["id"],
            limit=1,
        )
        if sent:
            return {"message_id": sent[0]["id"], "already_done": True}
        kwargs = {
            "body": paragraphs(draft.body),
            "body_is_html": True,
            "subject": draft.subject,
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_comment",
            "partner_ids": [customer],
        }
        return {"message_id": self.odoo.call(model, "message_post", [[rid]], kwargs, once=True)}

    def _post_once(
        self,
        action: ActionRecord,
        model: str,
        rid: int,
        text: str,
        references: list[str],
        table: list[list[str]] | None = None,
    ) -> int:
        tag = marker(action)
        found = self.odoo.search_read(
            "mail.message",
            [["model", "=", model], ["res_id", "=", rid], ["body", "ilike", tag]],
            ["id"],
            limit=1,
        )
        if found:
            return int(found[0]["id"])
        kwargs = {
            "body": self._note_html(action, text, references, table),
            "body_is_html": True,  # a plain str would be escaped whole: no line breaks
            "message_type": "comment",
            "subtype_xmlid": "mail.mt_note",
        }
        return int(self.odoo.call(model, "message_post", [[rid]], kwargs, once=True))

    def _note_html(
        self,
        action: ActionRecord,
        text: str,
        references: list[str],
        table: list[list[str]] | None = None,
    ) -> str:
        link = f"{self.review_url}/messages/{action.message_id}"
        refs = ", ".join(references)
        listed = f"<p>References: {html.escape(refs)}</p>" if refs else ""
        return (
            f'{paragraphs(text)}{html_table(table)}{listed}<p><a href="{html.escape(link)}">'
            f"Open in triage</a> {html.escape(marker(action))}</p>"
        )

    def _assignee(self, assign: Assignee, model: str, rid: int) -> int | None:
        if isinstance(assign, UserAssignee):
            return assign.user_id
        if isinstance(assign, RoleAssignee):
            users = self.odoo.search_read(
                "res.users", [["login", "=", assign.login]], ["id"], limit=1
            )
            if not users:
                raise ActionFailed(f"no Odoo user with login {assign.login} (role {assign.role})")
            return int(users[0]["id"])
        return m2o_id(self._field(model, rid, "user_id"))

    def _field(self, model: str, rid: int, name: str) -> Any:
        rows = self.odoo.read(model, [rid], [name])
        if not rows:
            raise ActionFailed(f"{model} {rid} does not exist (any more)")
        return rows[0].get(name)

    def _model_id(self, model: str) -> int:
        if model not in self._model_ids:
            rows = self.odoo.search_read("ir.model", [["model", "=", model]], ["id"], limit=1)
            if not rows:
                raise ActionFailed(f"Odoo has no model {model}")
            self._model_ids[model] = int(rows[0]["id"])
        return self._model_ids[model]

    def _xmlid(self, xmlid: str) -> int:
        module, _, name = (xmlid or "mail.mail_activity_data_todo").partition(".")
        found = self.odoo.call("ir.model.data", "check_object_reference", [module, name], {})
        return int(found[1])
