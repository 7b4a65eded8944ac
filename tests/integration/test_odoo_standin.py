"""The Odoo stand-in driven by the real odoorpc client: logins, ORM, domains, errors, faults."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import RemoteDisconnected
from typing import Any

import odoorpc
import pytest

from tests.integration.odoo_data import AUDITOR, BOT, BOT_API_KEY, DB, SALES, SALES_API_KEY
from tests.integration.odoo_profiles import VERSIONS
from tests.integration.odoo_standin import OdooStandin

pytestmark = pytest.mark.integration

RPCError = odoorpc.error.RPCError


def _error_name(call: Callable[[], Any]) -> str:
    """The Odoo exception name (error.data.name) of the RPCError that `call` raises."""
    with pytest.raises(RPCError) as exc:
        call()
    name: str = exc.value.info["data"]["name"]
    return name


def _names(client: Any, model: str, domain: list[Any], **kwargs: Any) -> list[str]:
    return [row["name"] for row in client.env[model].search_read(domain, ["name"], **kwargs)]


# -- transport and login -------------------------------------------------------------------------


def test_login_with_password(odoo_server: OdooStandin) -> None:
    client = odoorpc.ODOO(odoo_server.host, protocol="jsonrpc", port=odoo_server.port)
    assert client.version == "17.0"
    client.login(DB, BOT, "triage-bot-pw")
    assert client.env.uid == odoo_server.uid(BOT)
    assert client.env.context["tz"] == "Europe/Brussels"
    assert client.env.user.name == "Triage Bot"


@pytest.mark.parametrize(("login", "key"), [(BOT, BOT_API_KEY), (SALES, SALES_API_KEY)])
def test_login_with_api_key(odoo_server: OdooStandin, login: str, key: str) -> None:
    client = odoo_server.connect(login, key)
    assert client.env["sale.order"].search_count([]) >= 60  # the hand-written six plus bulk


def test_bad_credentials_are_refused(odoo_server: OdooStandin) -> None:
    client = odoorpc.ODOO(odoo_server.host, protocol="jsonrpc", port=odoo_server.port)
    for login, password in ((BOT, "wrong"), ("nobody", "x"), (BOT, SALES_API_KEY)):
        with pytest.raises(RPCError, match="Wrong login ID or password"):
            client.login(DB, login, password)
    assert [call.method for call in odoo_server.calls_to(service="common")] == ["login"] * 3


def test_object_call_with_a_bad_password_is_access_denied(odoo_client: Any) -> None:
    args = [DB, odoo_client.env.uid, "stale", "res.partner", "search", [[]], {}]
    params = {"service": "object", "method": "execute_kw", "args": args}
    with pytest.raises(RPCError, match="Access Denied") as exc:
        odoo_client.json("/jsonrpc", params)
    data = exc.value.info["data"]
    assert data["name"] == "odoo.exceptions.AccessDenied"
    assert data["arguments"] == ["Access Denied"]
    assert data["debug"].startswith("Traceback")


def test_unknown_url_is_http_404(odoo_client: Any) -> None:
    with pytest.raises(urllib.error.HTTPError) as exc:
        odoo_client.json("/web/nope", {})
    assert exc.value.code == 404
    assert json.load(exc.value)["error"]["message"] == "404: Not Found"
    exc.value.close()


def test_raw_request_gets_the_envelope(odoo_server: OdooStandin) -> None:
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {}, "id": 42}).encode()
    url = f"{odoo_server.url}/web/webclient/version_info"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.load(response)
    assert (answer["jsonrpc"], answer["id"]) == ("2.0", 42)
    assert answer["result"]["server_version_info"][:2] == [17, 0]


# -- reading -------------------------------------------------------------------------------------


def test_browse_read_and_lazy_relations(odoo_client: Any) -> None:
    orders = odoo_client.env["sale.order"]
    [order_id] = orders.search([("client_order_ref", "=", "4500012345")])
    order = orders.browse(order_id)
    assert (order.name, order.state, order.partner_id.name) == (
        "S00042",
        "sale",
        "Lopez Catering S.L.",
    )
    assert order.commitment_date == dt.datetime(2025, 3, 14, 8, 0)
    assert order.user_id.login == SALES
    assert [line.product_id.default_code for line in order.order_line] == ["OLV-5L", "NAP-500"]
    assert not order.partner_id.parent_id  # an empty many2one: odoorpc calls default_get
    rows = orders.read([order_id, 9999], ["partner_id", "order_line", "validity_date"])
    expected = {"partner_id": [10, "Lopez Catering S.L."], "order_line": [11, 12]}
    assert rows == [{"id": order_id, **expected, "validity_date": False}]
    raw = orders.read([order_id], ["partner_id"], load="_classic_write")
    assert raw == [{"id": order_id, "partner_id": 10}]
    with pytest.raises(ValueError, match="There is no 'sale.order' record"):
        orders.browse(9999)


def test_order_offset_limit_count_and_archived(odoo_client: Any) -> None:
    # the hand-written orders (ids below 100); the generated bulk starts at id 100
    hand = [("id", "<", 13)]
    expected = ["S00044", "S00043", "S00045", "S00042", "S00047", "S00046"]  # date_order desc
    assert _names(odoo_client, "sale.order", hand) == expected
    assert odoo_client.env["sale.order"].search(hand, order="name", offset=1, limit=2) == [8, 9]
    assert odoo_client.env["sale.order"].search_count([*hand, ("state", "=", "sale")]) == 3
    partners, archived = odoo_client.env["res.partner"], [("name", "=", "Old Bistro BVBA")]
    assert partners.search(archived) == []
    assert partners.search([*archived, ("active", "in", [True, False])]) == [18]
    assert partners.with_context(active_test=False).search(archived) == [18]


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([("partner_id.email", "ilike", "@lopez-catering.example")], ["S00042", "S00046"]),
        (
            [
                "|",
                ("client_order_ref", "=", "HB-7781"),
                ("partner_id.email", "=ilike", "%@gmail.com"),
            ],
            ["S00044", "S00045"],
        ),
        # '!' negates the operator, so the order without a customer reference matches too
        (["!", ("client_order_ref", "like", "45000")], ["S00044", "S00043", "S00045", "S00047"]),
        ([("client_order_ref", "=", False)], ["S00044"]),
        ([("partner_id", "ilike", "belvedere")], ["S00045"]),
        ([("partner_id", "child_of", 13)], ["S00043", "S00047"]),
        (
            [("order_line", "not any", [("product_id.default_code", "=", "OLV-5L")])],
            ["S00044", "S00046"],
        ),
        ([("order_line.product_id.default_code", "=like", "TOM%")], ["S00045", "S00046"]),
        (
            [("commitment_date", ">=", "2025-03-14"), ("commitment_date", "<", "2025-03-15")],
            ["S00042"],
        ),
        (
            [("name", "in", ["S00042", "S00045"]), ("client_order_ref", "=?", False)],
            ["S00045", "S00042"],
        ),
    ],
)
def test_domains(odoo_client: Any, domain: list[Any], expected: list[str]) -> None:
    # on the six hand-written orders S00042..S00047 (ids 7..12)
    assert _names(odoo_client, "sale.order", [("id", "<", 13), *domain]) == expected


def test_hierarchy_and_any(odoo_client: Any) -> None:
    parents = [("id", "parent_of", 11)]
    assert _names(odoo_client, "res.partner", parents) == ["Lopez Catering S.L.", "Maria Lopez"]
    gmail = [("email", "=ilike", "%@gmail.com")]
    assert _names(odoo_client, "res.partner", gmail) == ["Rosa Fernandes"]
    lines = [
        (
            "order_line",
            "any",
            [("product_id.default_code", "=", "OLV-5L"), ("product_uom_qty", ">", 15)],
        )
    ]
    assert _names(odoo_client, "sale.order", lines) == ["S00042"]


def test_bad_domain_is_a_value_error(odoo_client: Any) -> None:
    search = odoo_client.env["sale.order"].search
    assert _error_name(lambda: search([("nope", "=", 1)])) == "builtins.ValueError"
    assert _error_name(lambda: search(["|", ("name", "=", "x")])) == "builtins.ValueError"


def test_fields_get(odoo_client: Any) -> None:
    picking = odoo_client.env["stock.picking"].fields_get(attributes=["type", "string", "relation"])
    assert picking["carrier_tracking_ref"] == {"type": "char", "string": "Tracking Reference"}
    expected = {"type": "many2one", "string": "Sales Order", "relation": "sale.order"}
    assert picking["sale_id"] == expected
    state = odoo_client.env["sale.order"].fields_get(["state"])["state"]
    assert ["sale", "Sales Order"] in state["selection"]
    assert "payment_reference" in odoo_client.env["account.move"].fields_get()


def test_ref_name_get_and_model_check(odoo_client: Any) -> None:
    todo = odoo_client.env.ref("mail.mail_activity_data_todo")
    assert (todo._name, todo.name) == ("mail.activity.type", "To Do")
    assert odoo_client.env["purchase.order"].name_get([3]) == [[3, "P00017 (IB-SO-88123)"]]
    assert "sale.order" in odoo_client.env
    assert "repair.order" not in odoo_client.env


# -- writing -------------------------------------------------------------------------------------


def test_create_write_unlink(odoo_client: Any, odoo_server: OdooStandin) -> None:
    orders = odoo_client.env["sale.order"]
    line = {"product_id": 3, "product_uom_qty": 5}
    new_id = orders.create(
        {"partner_id": 14, "client_order_ref": "PO-1", "order_line": [(0, 0, line)]}
    )
    order = orders.browse(new_id)
    assert (order.name, order.state, order.user_id.id) == ("S00107", "draft", odoo_client.env.uid)
    assert order.order_line.name == "[COF-1KG] Espresso Beans 1 kg"
    order.client_order_ref = "PO-2"  # setting an attribute sends write([[id], {...}])
    assert odoo_server.record("sale.order", new_id)["client_order_ref"] == "PO-2"  # type: ignore[index]
    assert orders.create([{"partner_id": 10}, {"partner_id": 15}]) == [new_id + 1, new_id + 2]
    order.action_confirm()
    assert odoo_server.record("sale.order", new_id)["state"] == "sale"  # type: ignore[index]
    orders.browse(new_id + 1).unlink()
    assert odoo_server.record("sale.order", new_id + 1) is None
    gone = new_id + 1
    assert (
        _error_name(lambda: orders.write([gone], {"note": "x"})) == "odoo.exceptions.MissingError"
    )
    assert _error_name(lambda: orders.unlink([gone])) == "odoo.exceptions.MissingError"


def test_a_failed_call_changes_nothing(odoo_client: Any, odoo_server: OdooStandin) -> None:
    partners, orders = odoo_client.env["res.partner"], odoo_client.env["sale.order"]
    # partner 7 is the triage bot's: res.users.partner_id is ondelete=restrict
    assert _error_name(lambda: partners.unlink([11, 7])) == "odoo.exceptions.ValidationError"
    assert odoo_server.record("res.partner", 11) is not None
    assert (odoo_server.record("mail.message", 2) or {})["author_id"] == 11  # not set null
    refs = [{"partner_id": 10, "client_order_ref": "fine"}, {"client_order_ref": "no customer"}]
    assert _error_name(lambda: orders.create(refs)) == "odoo.exceptions.ValidationError"
    assert odoo_server.search("sale.order", [("client_order_ref", "=", "fine")]) == []


def test_message_post(odoo_client: Any, odoo_server: OdooStandin) -> None:
    order = odoo_client.env["sale.order"].browse(7)
    body = "Customer asks: <b>delay?</b>"
    message_id = order.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
    message = odoo_server.record("mail.message", message_id) or {}
    assert (message["model"], message["res_id"], message["message_type"]) == (
        "sale.order",
        7,
        "comment",
    )
    assert message["body"] == "Customer asks: &lt;b&gt;delay?&lt;/b&gt;"
    assert message_id in order.message_ids.ids
    on_two = odoo_client.env["sale.order"].browse([7, 8])
    assert _error_name(lambda: on_two.message_post(body="x")) == "builtins.ValueError"


def test_activity_on_a_sale_order(odoo_client: Any, odoo_server: OdooStandin) -> None:
    [model_id] = odoo_client.env["ir.model"].search([("model", "=", "sale.order")])
    todo = odoo_client.env.ref("mail.mail_activity_data_todo").id
    activity_id = odoo_client.env["mail.activity"].create(
        {
            "res_model_id": model_id,
            "res_id": 10,
            "activity_type_id": todo,
            "summary": "Supplier delay: call Tom",
            "date_deadline": "2025-03-12",
            "user_id": odoo_server.uid(SALES),
        }
    )
    [row] = odoo_client.env["mail.activity"].read([activity_id], ["res_model", "res_name", "state"])
    assert (row["res_model"], row["res_name"], row["state"]) == ("sale.order", "S00045", "overdue")
    assert activity_id in odoo_client.env["sale.order"].browse(10).activity_ids.ids


# -- errors --------------------------------------------------------------------------------------


def test_error_names(odoo_client: Any) -> None:
    env, execute_kw = odoo_client.env, odoo_client.execute_kw
    cases = {
        "odoo.exceptions.AccessError": lambda: execute_kw("sale.order", "_compute_amounts", [[7]]),
        "odoo.exceptions.UserError": lambda: odoo_client.execute("no.such.model", "search", []),
        "odoo.exceptions.ValidationError": lambda: env["sale.order"].create({"note": "x"}),
        "odoo.exceptions.MissingError": lambda: env["sale.order"].write([4242], {"note": "x"}),
        "builtins.AttributeError": lambda: env["sale.order"].frobnicate([7]),
    }
    for name, call in cases.items():
        assert _error_name(call) == name
    assert _error_name(env["sale.order"].browse(12).action_confirm) == "odoo.exceptions.UserError"
    loop = {"parent_id": 11}  # Lopez Catering under its own contact
    assert (
        _error_name(lambda: env["res.partner"].write([10], loop))
        == "odoo.exceptions.ValidationError"
    )


def test_read_only_user(odoo_server: OdooStandin) -> None:
    client = odoo_server.connect(AUDITOR)
    assert client.env["sale.order"].search([("name", "=", "S00042")]) == [7]
    with pytest.raises(RPCError, match="not allowed to modify 'Sales Order'") as exc:
        client.env["sale.order"].write([7], {"note": "audited"})
    assert exc.value.info["data"]["name"] == "odoo.exceptions.AccessError"


def test_name_get_is_gone_in_18() -> None:
    with OdooStandin(version="18.0") as server:
        client = server.connect()
        assert client.version == "18.0"
        with pytest.raises(RPCError, match="The method 'res.partner.name_get' does not exist"):
            client.env["res.partner"].name_get([10])


# -- faults, call log, reset ----------------------------------------------------------------------


def test_http_500(odoo_client: Any, odoo_server: OdooStandin) -> None:
    odoo_server.inject("http_error")
    with pytest.raises(urllib.error.HTTPError) as exc:
        odoo_client.env["sale.order"].search([])
    assert exc.value.code == 500
    exc.value.close()
    assert odoo_client.env["sale.order"].search([("name", "=", "S00042")]) == [7]  # count=1


def test_non_json_and_dropped_connection(odoo_client: Any, odoo_server: OdooStandin) -> None:
    odoo_server.inject("not_json")
    with pytest.raises(ValueError):  # json.JSONDecodeError
        odoo_client.env["sale.order"].search([])
    odoo_server.inject("disconnect")
    with pytest.raises(RemoteDisconnected):
        odoo_client.env["sale.order"].search([])


def test_hang_times_out_and_slow_answers(odoo_server: OdooStandin) -> None:
    client = odoo_server.connect(timeout=0.3)
    odoo_server.inject("hang", seconds=30)
    with pytest.raises(TimeoutError):
        client.env["sale.order"].search([])
    odoo_server.inject("slow", seconds=0.1)
    assert client.env["sale.order"].search([("name", "=", "S00042")]) == [7]


def test_injected_odoo_error_on_one_method(odoo_client: Any, odoo_server: OdooStandin) -> None:
    message = "Locked by another user"
    only_writes = {"model": "sale.order", "method": "write"}
    fault = odoo_server.inject(
        "odoo_error", 2, name="ValidationError", message=message, **only_writes
    )
    assert odoo_client.env["sale.order"].search([("name", "=", "S00043")]) == [8]
    with pytest.raises(RPCError, match=message) as exc:
        odoo_client.env["sale.order"].write([8], {"note": "x"})
    assert exc.value.info["data"]["name"] == "odoo.exceptions.ValidationError"
    assert fault.remaining == 1


def test_call_log(odoo_client: Any, odoo_server: OdooStandin) -> None:
    odoo_client.env["sale.order"].search_read([("client_order_ref", "=", "4500012345")], ["name"])
    [search] = odoo_server.calls_to("sale.order", "search_read")
    assert search.args == [[["client_order_ref", "=", "4500012345"]], ["name"]]
    assert search.kwargs["context"]["uid"] == odoo_client.env.uid
    assert not [call for call in odoo_server.calls if call.method in ("write", "create", "unlink")]


def test_reset_restores_the_seed(odoo_client: Any, odoo_server: OdooStandin) -> None:
    odoo_client.env["sale.order"].write([7], {"client_order_ref": "changed"})
    odoo_server.inject("http_error", count=5)
    odoo_server.reset()
    assert (odoo_server.record("sale.order", 7) or {})["client_order_ref"] == "4500012345"
    assert odoo_server.calls == []
    assert odoo_client.env["sale.order"].search([("client_order_ref", "=", "4500012345")]) == [7]


# -- the supplier-delay fan-out ------------------------------------------------------------------


def test_late_purchase_order_fans_out_to_its_sale_orders(odoo_client: Any) -> None:
    env, now = odoo_client.env, dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    late_domain = [
        ("state", "in", ["purchase", "done"]),
        ("date_planned", "<", now),
        ("receipt_status", "!=", "full"),
    ]
    # P00021 (id 7, issue 17's seed) has a fixed date_planned of 2025-04-07: late as well, and it
    # feeds no sale order (no moves, no origin); P00017 is the late one holding up sale orders
    assert env["purchase.order"].search(late_domain) == [7, 3]
    assert env["purchase.order"].browse(7).action_view_sale_orders()["domain"] == [["id", "in", []]]
    purchase = env["purchase.order"].browse(3)
    moves = [move for line in purchase.order_line for move in line.move_dest_ids]
    via_moves = sorted({move.group_id.sale_id.name for move in moves})
    assert (purchase.name, via_moves) == ("P00017", ["S00042", "S00045", "S00048"])
    via_origin = env["sale.order"].search_read(
        [("name", "in", purchase.origin.split(", "))], ["name"]
    )
    assert sorted(row["name"] for row in via_origin) == via_moves
    action = purchase.action_view_sale_orders()
    assert (action["res_model"], action["domain"]) == ("sale.order", [["id", "in", [7, 10, 13]]])
    fields = ["name", "carrier_tracking_ref"]
    pickings = env["stock.picking"].search_read([("origin", "=", "S00042")], fields)
    assert pickings == [
        {"id": 4, "name": "WH/OUT/00005", "carrier_tracking_ref": "1Z999AA10123456784"}
    ]


# -- version profiles (contract.md section 8) ---------------------------------------------------

both_versions = pytest.mark.parametrize("odoo_version", VERSIONS, indirect=True)


def _kw(client: Any, model: str, method: str, args: list[Any], **kwargs: Any) -> Any:
    return client.execute_kw(model, method, args, kwargs)


@both_versions
def test_cancelling_a_confirmed_order_needs_the_context(odoo_client: Any, odoo_server: Any) -> None:
    wizard = _kw(odoo_client, "sale.order", "action_cancel", [[7]])
    assert wizard["type"] == "ir.actions.act_window" and wizard["res_model"] == "sale.order.cancel"
    assert wizard["name"] == "Cancel Sales Order" and wizard["context"]["default_order_id"] == 7
    assert odoo_server.record("sale.order", 7)["state"] == "sale"  # nothing cancelled
    with pytest.raises(RPCError, match="Expected singleton"):  # the wizard is for one order
        _kw(odoo_client, "sale.order", "action_cancel", [[7, 10]])
    context = {"disable_cancel_warning": True}
    assert _kw(odoo_client, "sale.order", "action_cancel", [[7]], context=context) is True
    assert odoo_server.record("sale.order", 7)["state"] == "cancel"
    assert odoo_server.record("stock.picking", 4)["state"] == "cancel"  # its open delivery


@both_versions
def test_a_locked_order_is_not_cancelled(odoo_client: Any, odoo_server: Any) -> None:
    odoo_server.dataset.tables["sale.order"][7]["locked"] = True
    context = {"disable_cancel_warning": True}
    with pytest.raises(RPCError) as refused:
        _kw(odoo_client, "sale.order", "action_cancel", [[7]], context=context)
    assert refused.value.info["data"]["name"] == "odoo.exceptions.UserError"
    assert str(refused.value) == "You cannot cancel a locked order. Please unlock it first."
    assert odoo_server.record("sale.order", 7)["state"] == "sale"


@pytest.mark.parametrize("odoo_version", ["17.0"], indirect=True)
def test_17_has_to_check_and_no_payment_block(odoo_client: Any) -> None:
    fields = _kw(odoo_client, "account.move", "fields_get", [], attributes=["selection"])
    assert "to_check" in fields and "checked" not in fields
    assert "blocked" not in dict(fields["payment_state"]["selection"])
    assert odoo_client.execute_kw("account.move", "search", [[["to_check", "=", False]]])
    with pytest.raises(RPCError, match="has no attribute 'action_toggle_block_payment'"):
        _kw(odoo_client, "account.move", "action_toggle_block_payment", [[24]])
    with pytest.raises(RPCError, match="Wrong value"):
        _kw(odoo_client, "account.move", "write", [[24], {"payment_state": "blocked"}])


@pytest.mark.parametrize("odoo_version", ["18.0"], indirect=True)
def test_18_blocks_payments_and_has_no_to_check(odoo_client: Any, odoo_server: Any) -> None:
    fields = _kw(odoo_client, "account.move", "fields_get", [], attributes=["selection"])
    assert "checked" in fields and "to_check" not in fields
    assert "blocked" in dict(fields["payment_state"]["selection"])
    for call in (
        lambda: _kw(odoo_client, "account.move", "search", [[["to_check", "=", True]]]),
        lambda: _kw(odoo_client, "account.move", "read", [[24], ["to_check"]]),
        lambda: _kw(odoo_client, "account.move", "write", [[24], {"to_check": True}]),
    ):
        with pytest.raises(RPCError, match="Invalid field"):
            call()
    _kw(odoo_client, "account.move", "action_toggle_block_payment", [[24]])
    assert odoo_server.record("account.move", 24)["payment_state"] == "blocked"
    _kw(odoo_client, "account.move", "action_toggle_block_payment", [[24]])  # toggles back
    assert odoo_server.record("account.move", 24)["payment_state"] == "not_paid"
    with pytest.raises(RPCError, match="You can't block a paid invoice."):
        _kw(odoo_client, "account.move", "action_toggle_block_payment", [[21]])
    assert odoo_client.env["account.move"].browse(24).checked is False  # browse reads 18's fields


@both_versions
def test_po_lock_confirms_purchase_orders_as_done(odoo_client: Any, odoo_server: Any) -> None:
    _kw(odoo_client, "purchase.order", "button_confirm", [[5]])
    assert odoo_server.record("purchase.order", 5)["state"] == "purchase"
    odoo_server.reset()
    odoo_server.dataset.company["po_lock"] = "lock"
    _kw(odoo_client, "purchase.order", "button_confirm", [[5]])
    assert odoo_server.record("purchase.order", 5)["state"] == "done"


@both_versions
def test_message_post_escapes_a_str_body_unless_it_is_html(
    odoo_client: Any, odoo_server: Any
) -> None:
    text = "Line one\nLine <two>"
    plain = _kw(odoo_client, "sale.order", "message_post", [[7]], body=text)
    assert odoo_server.record("mail.message", plain)["body"] == "Line one\nLine &lt;two&gt;"
    html_body = "<p>Line one</p><p>Line &lt;two&gt;</p>"
    rich = _kw(odoo_client, "sale.order", "message_post", [[7]], body=html_body, body_is_html=True)
    assert odoo_server.record("mail.message", rich)["body"] == html_body


@both_versions
def test_priority_and_invoice_user_fields(odoo_client: Any) -> None:
    for model, has in (("sale.order", False), ("stock.picking", True), ("purchase.order", True)):
        assert ("priority" in _kw(odoo_client, model, "fields_get", [])) is has
    with pytest.raises(RPCError, match="Invalid field 'priority' on model 'sale.order'"):
        _kw(odoo_client, "sale.order", "write", [[7], {"priority": "1"}])
    (row,) = _kw(odoo_client, "account.move", "read", [[24], ["user_id", "invoice_user_id"]])
    assert row["user_id"] == row["invoice_user_id"] and row["user_id"][0] == 6
    assert _kw(odoo_client, "account.move", "search", [[["user_id", "=", 6], ["id", "=", 24]]])


@pytest.mark.parametrize(
    ("odoo_version", "unknown", "private"),
    [
        (
            "17.0",
            "type object 'sale.order' has no attribute 'frobnicate'",
            "Private methods (such as _compute_amounts) cannot be called remotely.",
        ),
        (
            "18.0",
            "The method 'sale.order.frobnicate' does not exist",
            "Private methods (such as 'sale.order._compute_amounts') cannot be called remotely.",
        ),
    ],
    indirect=["odoo_version"],
)
def test_each_version_words_unknown_and_private_methods_its_own_way(
    odoo_client: Any, unknown: str, private: str
) -> None:
    for call, expected in (
        (lambda: odoo_client.execute_kw("sale.order", "frobnicate", [[7]]), unknown),
        (lambda: odoo_client.execute_kw("sale.order", "_compute_amounts", [[7]]), private),
    ):
        with pytest.raises(RPCError) as exc:
            call()
        assert exc.value.info["data"]["message"] == expected


# -- products, vendor prices, stock (issue 17; read in Odoo's sources: ODOO_SOURCES.md) -----------


@both_versions
def test_fields_of_products_vendor_prices_and_stock(odoo_client: Any) -> None:
    attributes = ["type", "string", "relation", "store", "searchable", "selection"]
    info = _kw(odoo_client, "product.supplierinfo", "fields_get", [], attributes=attributes)
    assert info["product_tmpl_id"]["relation"] == "product.template"
    assert (info["product_code"]["string"], info["delay"]["type"]) == (
        "Vendor Product Code",
        "integer",
    )
    assert {"min_qty", "price", "discount", "date_start", "date_end", "currency_id"} <= set(info)
    quant = _kw(odoo_client, "stock.quant", "fields_get", [], attributes=attributes)
    assert quant["available_quantity"]["store"] is False
    assert not quant["available_quantity"]["searchable"]
    assert quant["warehouse_id"]["relation"] == "stock.warehouse"
    location = _kw(odoo_client, "stock.location", "fields_get", [], attributes=attributes)
    assert ["supplier", "Vendor Location"] in location["usage"]["selection"]
    warehouse = _kw(odoo_client, "stock.warehouse", "fields_get", [], attributes=attributes)
    assert warehouse["lot_stock_id"]["relation"] == "stock.location"
    assert (
        _kw(odoo_client, "product.product", "fields_get", ["barcode"])["barcode"]["type"] == "char"
    )
    models = [row["model"] for row in odoo_client.env["ir.model"].search_read([], ["model"])]
    assert {"product.template", "product.supplierinfo", "stock.quant", "stock.location"} <= set(
        models
    )


@both_versions
def test_quants_by_warehouse(odoo_client: Any) -> None:
    domain = [("product_id.default_code", "=", "OLV-5L"), ("location_id.usage", "=", "internal")]
    rows = _kw(
        odoo_client,
        "stock.quant",
        "search_read",
        [domain],
        fields=["warehouse_id", "available_quantity"],
    )
    per_warehouse: dict[str, float] = {}
    for row in rows:
        name = row["warehouse_id"][1]
        per_warehouse[name] = per_warehouse.get(name, 0.0) + row["available_quantity"]
    expected = {"Northwind Antwerp": 0.0, "Northwind Rotterdam": 8.0, "Northwind Madrid": 5.0}
    assert per_warehouse == expected  # the customer location's 40 are not stock on hand
    assert _kw(odoo_client, "stock.quant", "search", [[("warehouse_id", "=", 3)]]) == [3, 4]
    # a domain on a non-stored compute is ignored, as Odoo does (it only logs an error)
    assert len(_kw(odoo_client, "stock.quant", "search", [[("available_quantity", ">", 1e6)]])) == 7
    (shelf,) = _kw(odoo_client, "stock.location", "read", [[33], ["complete_name", "warehouse_id"]])
    assert (shelf["complete_name"], shelf["warehouse_id"][0]) == ("MAD/Stock/Shelf 1", 3)
    assert odoo_client.env["stock.location"].browse(2).complete_name == "Partners/Vendors"
    (madrid,) = _kw(odoo_client, "stock.warehouse", "read", [[3], ["code", "lot_stock_id"]])
    assert (madrid["code"], madrid["lot_stock_id"]) == ("MAD", [32, "MAD/Stock"])


@both_versions
def test_vendor_prices_by_template_and_by_vendor_code(odoo_client: Any) -> None:
    prices = odoo_client.env["product.supplierinfo"]
    assert prices.search([("product_tmpl_id", "=", 1)]) == [7, 6, 1]  # sequence, min_qty desc
    fields = ["partner_id", "product_name", "min_qty", "price", "delay", "currency_id"]
    (row,) = prices.search_read([("product_code", "=", "IB-EVO1")], fields)
    assert row["partner_id"] == [20, "Iberica Olive Oil S.A."]
    assert (row["min_qty"], row["price"], row["delay"]) == (24.0, 7.2, 14)
    assert row["currency_id"][0] == 1
    variant = [("product_tmpl_id.product_variant_ids.default_code", "=", "VIN-500")]
    assert prices.search(variant) == [3]
    assert prices.search([("partner_id.email", "ilike", "mediterraneo")]) == [7]
    template = odoo_client.env["product.template"].browse(1)
    assert sorted(template.seller_ids.ids) == [1, 6, 7]


@both_versions
def test_products_by_barcode(odoo_client: Any) -> None:
    products = odoo_client.env["product.product"]
    [six] = products.search([("barcode", "=", "5412345000068")])
    assert (six, products.browse(six).default_code) == (6, "VIN-500")
    assert products.browse(six).product_tmpl_id.id == 6
    assert odoo_client.env["product.template"].search([("barcode", "=", "5412345000075")]) == [7]
    assert products.name_search("OLI-GRN")[0][1] == "[OLI-GRN-3KG] Green Olives 3 kg"


@pytest.mark.parametrize("odoo_version", ["17.0"], indirect=True)
def test_17_has_storable_type_and_detailed_type(odoo_client: Any) -> None:
    fields = _kw(odoo_client, "product.product", "fields_get", [], attributes=["selection"])
    assert "detailed_type" in fields and "is_storable" not in fields
    assert ["product", "Storable Product"] in fields["type"]["selection"]
    (row,) = _kw(odoo_client, "product.product", "read", [[1], ["type", "detailed_type"]])
    assert (row["type"], row["detailed_type"]) == ("product", "product")
    with pytest.raises(RPCError, match="Invalid field"):
        _kw(odoo_client, "product.product", "search", [[("is_storable", "=", True)]])


@pytest.mark.parametrize("odoo_version", ["18.0"], indirect=True)
def test_18_has_goods_and_is_storable(odoo_client: Any, odoo_server: Any) -> None:
    fields = _kw(odoo_client, "product.template", "fields_get", [], attributes=["selection"])
    assert "is_storable" in fields and "detailed_type" not in fields
    assert dict(fields["type"]["selection"]) == {
        "consu": "Goods",
        "service": "Service",
        "combo": "Combo",
    }
    (row,) = _kw(odoo_client, "product.product", "read", [[1], ["type", "is_storable"]])
    assert (row["type"], row["is_storable"]) == ("consu", True)
    storable = _kw(
        odoo_client, "product.product", "search", [[("is_storable", "=", True), ("id", "<", 8)]]
    )
    assert storable == [3, 2, 7, 5, 1, 4, 6]  # ordered by default_code
    with pytest.raises(RPCError, match="Wrong value"):
        _kw(odoo_client, "product.product", "write", [[1], {"type": "product"}])
    with pytest.raises(RPCError, match="Invalid field"):
        _kw(odoo_client, "product.product", "read", [[1], ["detailed_type"]])
    _kw(odoo_client, "product.product", "write", [[6], {"is_storable": False}])
    assert odoo_server.record("product.product", 6)["type"] == "consu"


@both_versions
def test_purchase_line_date_and_price_writes(odoo_client: Any, odoo_server: Any) -> None:
    lines = odoo_client.env["purchase.order.line"]
    lines.write([5], {"date_planned": "2025-03-20 09:00:00"})  # P00017, receipt move 2 open
    assert odoo_server.record("stock.move", 2)["date_deadline"] == "2025-03-20 09:00:00"
    odoo_server.dataset.tables["purchase.order"][4]["state"] = "done"  # P00018 locked
    lines.write([6], {"price_unit": 7.1, "date_planned": "2025-03-01 10:00:00"})
    assert odoo_server.record("purchase.order.line", 6)["price_unit"] == 7.1
    # its receipt is done: the deadline goes to the open delivery move it feeds
    assert odoo_server.record("stock.move", 5)["date_deadline"] == "2025-03-01 10:00:00"
    assert odoo_server.record("stock.move", 1).get("date_deadline") in (None, False)


@both_versions
def test_a_new_purchase_order_skips_p00021(odoo_client: Any) -> None:
    orders = odoo_client.env["purchase.order"]
    new = orders.create({"partner_id": 23})
    name = orders.browse(new).name
    assert name > "P00021" and orders.search([("name", "=", name)]) == [new]
    assert orders.search([("name", "=", "P00021")]) == [7]
