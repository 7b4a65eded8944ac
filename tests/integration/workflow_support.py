"""Helpers for workflow tests: the default policy with the stand-in's users, a runtime wired
to the Odoo stand-in, and the distributor's scenario mails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.integration.odoo_data import ADMIN, BOT, BOT_API_KEY, DB, FINANCE, PURCHASE
from tests.integration.odoo_standin import OdooStandin
from triage.config import ClassifySettings, OdooSettings, Settings, WorkerSettings
from triage.policy.loader import DEFAULT_POLICY
from triage.runtime import Runtime, build_runtime

ROLES = {"finance": FINANCE, "warehouse": PURCHASE, "supervisor": ADMIN}
UID = {"sales": 6, "purchase": 7, "finance": 8, "admin": 2}


def model_settings(database_url: str, data: Path, model_dir: Path, **extra: Any) -> Settings:
    """Settings on the test database with the trained classical model."""
    classify = ClassifySettings(model_dir=model_dir)
    return Settings(database_url=database_url, data_dir=data, classify=classify, **extra)


def policy_file(folder: Path, edit: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """The shipped policy with this deployment's role logins, every (intent, decider) pair
    autonomous (the workflow tests check what the rules decide), and an optional edit."""
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    data["roles"] = dict(ROLES)
    data.setdefault("autonomy", {})["default"] = "autonomous"
    if edit is not None:
        edit(data)
    path = folder / "policy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def settings_for(
    odoo: OdooStandin, folder: Path, model_dir: Path, database_url: str | None = None, **extra: Any
) -> Settings:
    """Settings on the stand-in with a fast worker and the test policy."""
    values: dict[str, Any] = {
        "data_dir": folder,
        "database_url": database_url,
        "classify": ClassifySettings(model_dir=model_dir),
        "odoo": OdooSettings(
            url=odoo.url, database=DB, login=BOT, api_key=BOT_API_KEY, timeout_seconds=5
        ),
        "policy": extra.pop("policy", None) or policy_file(folder),
        "worker": WorkerSettings(
            enabled=False, retry_base_seconds=0.2, retry_max_seconds=1, stale_after_seconds=2
        ),
        "review_url": "https://triage.example",
        **extra,
    }
    return Settings(**values)


@contextmanager
def running(settings: Settings) -> Iterator[Runtime]:
    """A runtime closed afterwards."""
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def mail(key: str, sender: str, subject: str, body: str) -> bytes:
    """A raw mail to orders@."""
    return (
        f"From: {sender}\r\nTo: orders@northwind.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{key}@scenario.example>\r\nDate: Wed, 05 Mar 2025 10:00:00 +0100\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


ORDER_STATUS = mail(
    "status",
    "buyer@lopez-catering.example",
    "Order S00042",
    "Hello, could you tell me when our order S00042 will be delivered? Thanks, Maria",
)
SUPPLIER_DELAY = mail(
    "delay",
    "carlos.ruiz@iberica-oil.example",
    "Delay P00017",
    "Dear buyer, we regret to inform you that your purchase order P00017 will be delayed. "
    "Due to a production problem the new delivery date is 20 March 2025. Best regards, Carlos",
)
DISPUTE = mail(
    "dispute",
    "accounts@lopez-catering.example",
    "Invoice INV/2025/00012 is wrong",
    "Hello, we dispute invoice INV/2025/00012: you charged 50 units but we only received 20. "
    "Please correct the invoice amount. Jordi",
)
BANK = mail(
    "bank",
    "accounts@lopez-catering.example",
    "New bank details",
    "Please update our bank details for future payments. Our new IBAN is "
    "ES91 2100 0418 4502 0005 1332. Regards, Jordi",
)
COMPLAINT = mail(
    "complaint",
    "buyer@lopez-catering.example",
    "Damaged delivery S00042",
    "The delivery for order S00042 arrived today and half of the boxes are damaged and broken. "
    "This is unacceptable, please send replacements urgently.",
)
