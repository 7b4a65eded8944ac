"""Senders proven before they are trusted, and Odoo as it is: a portal user, a wildcard
address or an unauthenticated staff address is an outside sender; a lookup this Odoo cannot
answer (no Shipping app) is skipped with its reason while the rest of the mail links;
purchase orders locked as `done` are open; a promised day is the day in Odoo's time zone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from models import IntentScore, LinkResult, LinkStatus, Message, Signal, UserRole
from parsers import parse_message
from tests.integration.odoo_data import BOT, BOT_API_KEY, DB, PORTAL, SALES
from tests.integration.odoo_standin import OdooStandin
from tests.integration.test_ui import PASSWORD, Browser, ingest
from tests.integration.workflow_support import mail, running, settings_for
from triage.cli import app as cli
from triage.config import OdooSettings, PipelineSettings, Settings
from triage.link.linker import Linker
from triage.odoo.adapter import OdooClient
from triage.runtime import Runtime, build_linker

pytestmark = pytest.mark.integration
ODOO_VERSIONS = ("17.0", "18.0")  # odoo_server tests run on both; `minimal` is a 17.0
MX = "mx.northwind.example"
STAFF_PASS = (
    f"{MX}; spf=pass smtp.mailfrom=northwind.example; dmarc=pass header.from=northwind.example"
)
TRACKING_MINIMAL = "tracking numbers are not looked up: stock_delivery is not installed"


def odoo_settings(server: OdooStandin) -> OdooSettings:
    return OdooSettings(
        url=server.url,
        database=DB,
        login=BOT,
        api_key=BOT_API_KEY,
        timeout_seconds=5,
        trusted_authserv_ids=[MX.upper()],  # ids compare case-insensitively
    )


def linker_for(server: OdooStandin) -> Linker:
    built = build_linker(Settings(odoo=odoo_settings(server)))
    assert built is not None
    return built


def message(sender: str, body: str, *auth: str) -> Message:
    headers = "".join(f"Authentication-Results: {a}\r\n" for a in auth)
    raw = (
        f"{headers}From: {sender}\r\nTo: orders@northwind.example\r\nSubject: Orders\r\n"
        f"Message-ID: <{abs(hash((sender, body, auth)))}@trust.example>\r\n"
        f"Date: Wed, 05 Mar 2025 10:00:00 +0100\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    return parse_message(raw.encode())


def link(linker: Linker, msg: Message, intent: str = "order_status") -> LinkResult:
    signal = Signal(message_id=msg.id, intents=[IntentScore(intent=intent, confidence=0.9)])
    return linker.link(msg, signal)


def statuses(result: LinkResult) -> dict[str, LinkStatus]:
    return {lk.display_name.split(" ")[0]: lk.status for lk in result.links}


@pytest.fixture
def linker(odoo_server: OdooStandin) -> Linker:
    return linker_for(odoo_server)


@pytest.fixture(scope="module")
def minimal_server() -> Iterator[OdooStandin]:
    """A stand-in without sale_stock, purchase_stock and stock_delivery."""
    with OdooStandin(modules="minimal") as server:
        yield server


@pytest.fixture
def minimal(minimal_server: OdooStandin) -> Iterator[OdooStandin]:
    minimal_server.reset()
    yield minimal_server
    minimal_server.reset()


# -- sender trust ------------------------------------------------------------------------------


def test_an_authenticated_staff_mail_is_internal(linker: Linker) -> None:
    result = link(linker, message(SALES, "Please check S00042", STAFF_PASS))
    assert result.role == "internal" and result.sender_not_staff == ""
    assert statuses(result) == {"S00042": LinkStatus.LINKED}


@pytest.mark.parametrize(
    "auth",
    [
        f"{MX}; spf=pass smtp.mailfrom=bounces@mail.northwind.example",  # aligned subdomain
        f"{MX} 1; dkim=pass (2048-bit key) header.d=northwind.example header.s=sel",
    ],
)
def test_an_aligned_spf_or_dkim_pass_is_enough(linker: Linker, auth: str) -> None:
    assert link(linker, message(SALES, "Please check S00042", auth)).role == "internal"


@pytest.mark.parametrize(
    ("auth", "why"),
    [
        ((), "no Authentication-Results header from a trusted server"),
        (
            ("mx.evil.example; dmarc=pass header.from=northwind.example",),
            "no Authentication-Results header from a trusted server",
        ),
        ((f"{MX}; dmarc=fail header.from=northwind.example; spf=softfail",), "dmarc=fail"),
        (
            (f"{MX}; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=evil.example",),
            "dkim=pass, spf=pass",
        ),
        ((f"{MX}; dmarc=pass header.from=evil.example",), "dmarc=pass"),
        ((f"{MX}; dmarc=pass (unclosed comment header.from=northwind.example",), "trusted"),
    ],
    ids=["none", "untrusted-id", "dmarc-fail", "not-aligned", "other-domain", "malformed"],
)
def test_an_unauthenticated_staff_mail_is_an_outside_sender(
    linker: Linker, auth: tuple[str, ...], why: str
) -> None:
    result = link(linker, message(SALES, "Please cancel S00042", *auth))
    assert result.role != "internal"
    assert why in result.sender_not_staff
    # validated against its own partner (Northwind): another customer's order is refused
    assert statuses(result) == {"S00042": LinkStatus.REJECTED} and result.needs_review


def test_a_portal_user_is_a_customer_not_staff(odoo_server: OdooStandin, linker: Linker) -> None:
    assert odoo_server.search("res.users", [["login", "=", PORTAL], ["share", "=", True]])
    auth = f"{MX}; dmarc=pass header.from=lopez-catering.example"
    result = link(linker, message(PORTAL, "Cancel S00043 and S00042", auth))
    assert result.role == "customer" and result.sender_not_staff == ""
    assert statuses(result) == {"S00043": LinkStatus.REJECTED, "S00042": LinkStatus.LINKED}


@pytest.mark.parametrize("address", ["%@northwind.example", "sophie_martin@northwind.example"])
def test_wildcards_in_an_address_match_nobody(
    odoo_server: OdooStandin, linker: Linker, address: str
) -> None:
    # The stand-in's =ilike has SQL's wildcards: unescaped, the address would match staff.
    assert odoo_server.search("res.users", [["login", "=ilike", address]])
    auth = f"{MX}; dmarc=pass header.from=northwind.example"
    result = link(linker, message(address, "Please cancel S00042", auth))
    assert result.role != "internal"
    assert statuses(result) == {"S00042": LinkStatus.REJECTED}


def test_the_message_page_says_why_the_sender_is_not_staff(
    odoo_server: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    app = create_app(settings_for(odoo_server, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    runtime.users.create("alex", PASSWORD, UserRole.AGENT)
    raw = mail("staff", SALES, "S00042", "Please cancel S00042 for the customer.")
    with TestClient(app) as client:
        browser = Browser(client)
        assert browser.login("alex") == 303
        page = browser.page(f"/messages/{ingest(runtime, raw)}")
    note = page.css_first(".sender-not-staff")
    assert note is not None
    assert note.text().startswith("Sender not authenticated as staff: no trusted authserv-id")


# -- capabilities ------------------------------------------------------------------------------


def test_the_probe_says_what_a_missing_module_disables(minimal: OdooStandin) -> None:
    caps = OdooClient(odoo_settings(minimal)).capabilities()
    assert caps.server_version == "17.0" and caps.tz == "Europe/Brussels"
    assert caps.modules["stock_delivery"] is False and caps.modules["account"] is True
    assert TRACKING_MINIMAL in caps.disabled
    assert "carrier_tracking_ref" in caps.missing_fields["stock.picking"]


def test_full_odoo_disables_nothing(odoo_server: OdooStandin) -> None:
    caps = OdooClient(odoo_settings(odoo_server)).capabilities()
    assert caps.disabled == [] and caps.missing_fields == {} and all(caps.modules.values())


def test_a_tracking_number_without_the_shipping_app_is_skipped(minimal: OdooStandin) -> None:
    msg = message(
        "buyer@lopez-catering.example", "Where is S00042? UPS says 1Z999AA10123456784", ""
    )
    result = link(linker_for(minimal), msg)
    assert statuses(result) == {"S00042": LinkStatus.LINKED}
    assert len(result.skipped) == 1 and TRACKING_MINIMAL in result.skipped[0]
    assert not minimal.calls_to("stock.picking", "search_read")  # the probe said: not asked


def test_a_permanent_error_fails_one_lookup_not_the_link(minimal: OdooStandin) -> None:
    # Without the probe's answer the search is made; Odoo's ValueError skips that lookup only.
    plain = Linker(OdooClient(odoo_settings(minimal)), frozenset())
    msg = message("buyer@lopez-catering.example", "S00042, tracking 1Z999AA10123456784")
    result = link(plain, msg)
    assert statuses(result) == {"S00042": LinkStatus.LINKED}
    assert len(result.skipped) == 1 and "Invalid field" in result.skipped[0]
    assert len(minimal.calls_to("stock.picking", "search_read")) == 1  # tried once


def test_a_supplier_delay_on_minimal_finds_orders_by_origin(minimal: OdooStandin) -> None:
    msg = message("carlos.ruiz@iberica-oil.example", "P00017 is late, new ETA 2025-03-20.")
    result = link(linker_for(minimal), msg, intent="supplier_delay")
    impacted = {o.name: o.found_by for o in result.impacted}
    assert set(impacted) == {"S00042", "S00045", "S00048"}
    assert all(how.startswith("origin") for how in impacted.values())


def test_the_pipeline_finishes_a_mail_with_a_skipped_lookup(
    minimal: OdooStandin, tmp_path: Path, trained_model_dir: Path
) -> None:
    tries = PipelineSettings(max_attempts=3, retry_base_seconds=0.01, retry_max_seconds=0.01)
    settings = settings_for(minimal, tmp_path, trained_model_dir, pipeline=tries)
    raw = mail(
        "tracking",
        "buyer@lopez-catering.example",
        "Order S00042",
        "Where is our order S00042? The UPS tracking 1Z999AA10123456784 shows nothing.",
    )
    with running(settings) as runtime:
        accepted = runtime.pipeline.accept(raw, source="test", position="minimal")
        assert accepted.message_id is not None
        threading.Event().wait(0.05)
        runtime.pipeline.run_due()
        status = runtime.pipeline.status(accepted.message_id)
        assert status is not None and status.state == "done" and status.attempts <= 1
        stored = runtime.links.result(accepted.message_id)
        assert stored is not None and TRACKING_MINIMAL in stored.skipped[0]
        assert [lk.display_name for lk in stored.links] == ["S00042"]


# -- purchase states and promised days ------------------------------------------------------


def test_a_locked_purchase_order_is_still_open(odoo_server: OdooStandin, linker: Linker) -> None:
    odoo_server.dataset.tables["purchase.order"][6]["state"] = "done"  # P00020, po_lock
    msg = message("carlos.ruiz@iberica-oil.example", "Any news about our orders?")
    result = link(linker, msg)
    assert result.role == "supplier"
    assert {c.display_name.split(" ")[0] for c in result.candidates} >= {"P00017", "P00020"}


def test_a_promise_at_half_past_midnight_is_on_the_local_day(
    odoo_server: OdooStandin, linker: Linker
) -> None:
    # 2025-03-19 23:30 UTC is 2025-03-20 00:30 in Brussels (the bot user's tz): a new ETA of
    # the 20th keeps the promise.
    odoo_server.dataset.tables["sale.order"][7]["commitment_date"] = "2025-03-19 23:30:00"
    msg = message("carlos.ruiz@iberica-oil.example", "P00017 is late, new ETA 2025-03-20.")
    result = link(linker, msg, intent="supplier_delay")
    s00042 = next(o for o in result.impacted if o.name == "S00042")
    assert s00042.commitment_date == date(2025, 3, 20) and s00042.at_risk is False


def test_status_and_the_cli_say_what_is_disabled(
    minimal: OdooStandin,
    tmp_path: Path,
    trained_model_dir: Path,
    cli_data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app(settings_for(minimal, tmp_path, trained_model_dir))
    runtime: Runtime = app.state.runtime
    key = runtime.keys.create("ops", UserRole.AGENT)
    with TestClient(app) as client:
        before = client.get("/v1/status", headers={"Authorization": f"Bearer {key}"}).json()
        assert before["odoo"] == {"probed": False}  # status never calls Odoo itself
        ingest(runtime, mail("probe", "buyer@lopez-catering.example", "S00042", "S00042?"))
        after = client.get("/v1/status", headers={"Authorization": f"Bearer {key}"}).json()
    assert after["odoo"]["probed"] and after["odoo"]["server_version"] == "17.0"
    assert TRACKING_MINIMAL in after["odoo"]["disabled"]
    monkeypatch.setenv(
        "TRIAGE_ODOO",
        odoo_settings(minimal).model_dump_json(exclude={"api_key"})[:-1]
        + f', "api_key": "{BOT_API_KEY}"}}',
    )
    printed = CliRunner().invoke(cli, ["status"])
    assert printed.exit_code == 0, printed.output
    assert f"  {TRACKING_MINIMAL}" in printed.output
