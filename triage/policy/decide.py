"""From a signal and its Odoo links to proposed actions: a pure function of the policy.

The LLM never gets here: only the signal's fields and the links are read. High-risk intents
always wait for an approver whatever the rule says, and a signal that needs review holds its
actions for a person when the policy says so. What may then run alone is earned autonomy's
call (triage.policy.autonomy): the LLM classifies, it never makes an action run by itself.
The signal's summary (the LLM's words, or sentences of the mail) reaches a template only as a
quoted, labelled field.

A mail with several requests is decided once per intent the policy acts on: the primary, and
each further intent the cascade routed in its own right. A signal is high risk when any of its
intents is, so every action of such a mail waits for an approver, whichever intent proposed it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from models import (
    ActionKind,
    ActionPayload,
    ActivityPayload,
    Assignee,
    CustomerUpdatePayload,
    EntityKind,
    HoldInvoicePayload,
    ImpactedOrder,
    LinkResult,
    LinkStatus,
    ProposedAction,
    RecordOwner,
    RoleAssignee,
    Signal,
    Target,
    UpdateFacts,
    UpdatePoLinesPayload,
    UserAssignee,
    WebhookPayload,
    parse_payload,
)
from triage.policy.model import ActionSpec, Conditions, Policy, Rule
from triage.policy.supplier import (
    COMMERCIAL,
    alternatives_table,
    check_for,
    discrepancy_summary,
    discrepancy_table,
    has_discrepancy,
    has_unread_document,
    line_changes,
    partial_offer,
)

_MODELS = {
    "order": "sale.order",
    "purchase_order": "purchase.order",
    "invoice": "account.move",
    "picking": "stock.picking",
}


_CONTEXT = frozenset({EntityKind.DATE, EntityKind.AMOUNT, EntityKind.QUANTITY})
SUMMARY_LABEL = "Summary (machine-generated, unverified)"
MAX_QUOTED_CHARS = 300


class _Blank(dict[str, Any]):
    """Template values; an unknown placeholder renders empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def decide(
    signal: Signal, links: LinkResult, policy: Policy, today: date | None = None
) -> list[ProposedAction]:
    """The actions the first matching rules propose for the primary intent and each request
    routed in its own right (IntentScore.routed), each action carrying its own intent."""
    today = today or date.today()
    proposed: list[ProposedAction] = []
    applied: set[str] = set()
    for number, view in enumerate(intent_views(signal)):
        for rule in _rules_for(view, links, policy, secondary=number > 0):
            if rule.id in applied:  # one rule for two of the mail's intents acts once
                continue
            applied.add(rule.id)
            actions = _rule_actions(rule, view, links, policy, today)
            proposed += [_keyed(a, view.intent) for a in actions] if number else actions
    return proposed


def intent_views(signal: Signal) -> list[Signal]:
    """The signal as each intent the policy acts on sees it: that intent first.

    The primary intent always; then each further intent routed in its own right."""
    views = [signal]
    for score in signal.intents[1:]:
        if score.routed and score.intent != signal.intent:
            others = [i for i in signal.intents if i is not score]
            views.append(signal.model_copy(update={"intents": [score, *others]}))
    return views


def _rules_for(view: Signal, links: LinkResult, policy: Policy, *, secondary: bool) -> list[Rule]:
    """The first matching rule for the view's intent, and those before it with stop: false.

    A further intent only matches rules that name it: the rules about the mail as a whole
    already ran with the primary intent."""
    chosen: list[Rule] = []
    for rule in policy.rules:
        if secondary and view.intent not in rule.when.intent:
            continue
        if not matches(rule.when, view, links):
            continue
        chosen.append(rule)
        if rule.stop:
            break
    return chosen


def _rule_actions(
    rule: Rule, signal: Signal, links: LinkResult, policy: Policy, today: date
) -> list[ProposedAction]:
    """What one rule proposes for the signal's (first) intent."""
    proposed = []
    for spec in rule.actions:
        for target, context in targets(spec, links):
            values = _values(signal, links, target, context)
            if spec.kind is ActionKind.UPDATE_PO_LINES:
                values["changes"] = line_changes(
                    values["check"], list(spec.fields), spec.within_tolerance
                )
                if not values["changes"]:
                    continue  # nothing of these fields differs on this PO
            proposed.append(_proposal(spec, target, values, rule, policy, signal, today))
    return proposed


def _keyed(action: ProposedAction, intent: str) -> ProposedAction:
    """A further intent's action, keyed apart from the primary's on the same target.

    The primary's keys stay as they always were, so replaying a stored message adds nothing."""
    key = f"{action.key}|intent:{intent}" if action.key else f"intent:{intent}"
    return action.model_copy(update={"key": key})


def matches(when: Conditions, signal: Signal, links: LinkResult) -> bool:
    """Whether every condition given holds."""
    order = _linked(links, "sale.order")
    amounts = [
        float(link.extra["amount_total"])
        for link in links.links
        if link.status is LinkStatus.LINKED and "amount_total" in link.extra
    ]
    checks = [
        not when.intent or signal.intent in when.intent,
        signal.confidence >= when.min_confidence,
        not when.urgency or signal.urgency in when.urgency,
        not when.language or (signal.language or "") in when.language,
        when.needs_review is None or signal.needs_review == when.needs_review,
        not when.role or (links.role or "") in when.role,
        not when.order_state or any(o.extra.get("state") in when.order_state for o in order),
        when.min_amount is None or any(a >= when.min_amount for a in amounts),
        when.at_risk is None or any(bool(i.at_risk) for i in links.impacted) == when.at_risk,
        when.discrepancy is None or has_discrepancy(links) == when.discrepancy,
        when.unread_document is None or has_unread_document(links) == when.unread_document,
        when.shipment_exception is None
        or any(s.open_exception for s in links.shipments) == when.shipment_exception,
    ]
    return all(checks)


def targets(spec: ActionSpec, links: LinkResult) -> list[tuple[Target, dict[str, Any]]]:
    """The records an action applies to, each with what is known about it."""
    if spec.target == "message":
        return [(Target(), {})]
    if spec.target == "partner":
        partner = links.partner
        if partner is None or partner.status is not LinkStatus.LINKED:
            return []
        return [
            (
                Target(model="res.partner", record_id=partner.record_id, name=partner.display_name),
                {},
            )
        ]
    if spec.target == "impacted_orders":
        return [
            (Target(model="sale.order", record_id=i.sale_order_id, name=i.name), _impacted(i))
            for i in links.impacted
            if i.at_risk or not spec.only_at_risk
        ]
    return [
        (Target(model=link.model, record_id=link.record_id, name=link.display_name), link.extra)
        for link in _linked(links, _MODELS[spec.target])
    ]


def _proposal(
    spec: ActionSpec,
    target: Target,
    values: dict[str, Any],
    rule: Rule,
    policy: Policy,
    signal: Signal,
    today: date,
) -> ProposedAction:
    approval, reason = spec.approval, f"rule {rule.id}"
    if spec.approval:
        reason = f"rule {rule.id} needs an {spec.approval}'s approval"
    if signal.high_risk and approval not in ("approver", "admin"):
        approval, reason = "approver", f"{signal.intent} is high risk: never automatic"
    elif policy.review_first and signal.needs_review and approval is None:
        approval, reason = "agent", f"the signal needs review: {signal.review_reason}"
    if spec.kind is ActionKind.UPDATE_PO_LINES:
        approval, reason = _po_change_approval(approval, reason, values["changes"])
    return ProposedAction(
        target=target,
        payload=_payload(spec, values, policy, signal, today),
        approval=approval,
        reason=reason,
        rule_id=rule.id,
        policy_version=policy.full_version,
        shadow=rule.shadow,
        key=_key(spec),
    )


def _key(spec: ActionSpec) -> str:
    """Tells apart two actions of one kind on one record (roles; PO line fields)."""
    if spec.kind is ActionKind.UPDATE_PO_LINES:
        within = "" if spec.within_tolerance is None else f"|within:{spec.within_tolerance}"
        return "fields:" + ",".join(sorted(spec.fields)) + within
    return spec.assign if spec.assign.startswith("role:") else ""


def _po_change_approval(
    approval: str | None, reason: str, changes: list[Any]
) -> tuple[str | None, str]:
    """A PO line change never runs alone: a price or quantity waits for an approver, a date
    for at least an agent, whatever the rule says."""
    if any(change.field in COMMERCIAL for change in changes):
        if approval != "admin":
            return "approver", "a change of price or quantity on a PO always waits for an approver"
        return approval, reason
    return approval or "agent", reason if approval else "a change to a PO waits for a person"


def _payload(
    spec: ActionSpec, values: dict[str, Any], policy: Policy, signal: Signal, today: date
) -> ActionPayload:
    common: dict[str, Any] = {
        "urgency": signal.urgency,
        "intent": signal.intent,
        "references": sorted(
            {e.value for e in signal.entities if e.kind not in _CONTEXT and e.field != "quoted"}
        ),
        "summary": spec.summary.format_map(_Blank(values)),
        "note": spec.note.format_map(_Blank(values)),
        "table": _table(spec, values) or None,
    }
    if spec.kind is ActionKind.ACTIVITY:
        days = spec.deadline_days
        if days is None:
            days = policy.deadline_days.get(signal.urgency, 2)
        return ActivityPayload(
            **common,
            deadline=today + timedelta(days=days),
            activity_type=spec.activity_type,
            assign=_assignee(spec, values, policy),
        )
    if spec.kind is ActionKind.HOLD_INVOICE:
        return HoldInvoicePayload(**common, assign=_finance(spec, values, policy))
    if spec.kind is ActionKind.WEBHOOK:
        return WebhookPayload(**common, webhook=spec.webhook or "")
    if spec.kind is ActionKind.CUSTOMER_UPDATE:
        return CustomerUpdatePayload(**common, facts=_facts(values))
    if spec.kind is ActionKind.UPDATE_PO_LINES:
        return UpdatePoLinesPayload(**common, changes=values["changes"])
    return parse_payload(spec.kind, common)


def _table(spec: ActionSpec, values: dict[str, Any]) -> list[list[str]]:
    if spec.table == "discrepancies":
        return discrepancy_table(values["check"])
    if spec.table == "alternatives":
        return alternatives_table(values["impacted_orders"])
    return []


def _facts(values: dict[str, Any]) -> UpdateFacts:
    return UpdateFacts(
        customer=str(values.get("customer") or ""),
        customer_id=values.get("customer_id") or None,
        order=str(values.get("order") or ""),
        commitment=str(values.get("commitment") or ""),
        eta=str(values.get("eta") or ""),
        partial=list(values.get("partial") or []) or None,
    )


def _finance(spec: ActionSpec, values: dict[str, Any], policy: Policy) -> Assignee:
    """Who holds an invoice by hand where Odoo cannot block its payment: the rule's role,
    else the policy's finance role, else the invoice's own user."""
    if spec.assign.startswith("role:"):
        return _assignee(spec, values, policy)
    if "finance" in policy.roles:
        return RoleAssignee(role="finance", login=policy.roles["finance"])
    return RecordOwner()


def _assignee(spec: ActionSpec, values: dict[str, Any], policy: Policy) -> Assignee:
    if spec.assign.startswith("role:"):
        role = spec.assign.removeprefix("role:")
        return RoleAssignee(role=role, login=policy.roles[role])
    if values.get("owner_id"):
        return UserAssignee(user_id=values["owner_id"])
    return RecordOwner()  # read the record's user_id when the action runs


def _values(
    signal: Signal, links: LinkResult, target: Target, context: dict[str, Any]
) -> dict[str, Any]:
    """What templates may name: {intent}, {summary}, {partner}, {order}, {eta}, {record}..."""
    eta = next((e.value for e in signal.entities if e.kind is EntityKind.ETA), "")
    first = {
        key: next((lk.display_name for lk in _linked(links, m)), "") for key, m in _MODELS.items()
    }
    impacted = ", ".join(i.name for i in links.impacted)
    check = check_for(links, target.record_id) if target.model == "purchase.order" else None
    return {
        "check": check,
        "discrepancies": discrepancy_summary(check),
        "impacted_orders": links.impacted,
        "intent": signal.intent,
        "urgency": signal.urgency.value,
        "summary": quoted_summary(signal.summary),
        "partner": links.partner.display_name if links.partner else "",
        "po": first["purchase_order"],
        "impacted": impacted or "none found",
        "record": target.name,
        "eta": eta,
        "owner_id": context.get("user_id"),
        **first,
        **context,
    }


def quoted_summary(summary: str) -> str:
    """The signal's summary as a labelled quotation on one line: data to read, never ours."""
    flat = " ".join(summary.replace("«", '"').replace("»", '"').split())
    if len(flat) > MAX_QUOTED_CHARS:
        flat = flat[: MAX_QUOTED_CHARS - 1] + "…"
    return f"{SUMMARY_LABEL}: «{flat}»" if flat else ""


def _impacted(order: ImpactedOrder) -> dict[str, Any]:
    return {
        "order": order.name,
        "customer": order.customer,
        "customer_id": order.customer_id,
        "user_id": order.salesperson_id,
        "commitment": order.commitment_date.isoformat() if order.commitment_date else "",
        "eta": order.new_eta.isoformat() if order.new_eta else "",
        "partial": partial_offer(order),
    }


def _linked(links: LinkResult, model: str) -> list[Any]:
    return [lk for lk in links.links if lk.model == model and lk.status is LinkStatus.LINKED]
