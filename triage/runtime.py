"""Building the engine's parts from settings, once, for the CLI and the API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from triage.classify.cascade import Cascade
from triage.classify.classical import MODEL_FILE, ClassicalModel, model_text
from triage.classify.files import load_taxonomy
from triage.classify.gate import ReviewedExample
from triage.classify.rules import load_rules
from triage.classify.training import FEEDBACK, Example

# The stores, the actions, Odoo and the LLM are imported where the runtime is built:
# `triage classify` needs the cascade alone and starts faster without them.
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from models import Message, Signal
    from triage.actions.worker import Worker
    from triage.actions.workflow import Workflow
    from triage.approvals import Approvals
    from triage.autonomy import Autonomy
    from triage.classify.cascade import LlmStage
    from triage.config import Settings
    from triage.link.linker import Linker
    from triage.llm.stage import LlmTasks
    from triage.login import Login
    from triage.odoo.adapter import OdooClient
    from triage.pipeline import MailPipeline
    from triage.pipeline.supplier import SupplierReading
    from triage.policy.loader import PolicyHolder
    from triage.store import MessageStore
    from triage.store.actions import ActionStore
    from triage.store.apikeys import ApiKeyStore
    from triage.store.audit import AuditStore
    from triage.store.links import LinkStore
    from triage.store.mailboxes import MailboxStateStore
    from triage.store.review import ReviewStore
    from triage.store.users import UserStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """The configured stores, the mail pipeline and the classifier cascade."""

    settings: Settings
    engine: Engine
    store: MessageStore
    keys: ApiKeyStore
    mailbox_state: MailboxStateStore
    actions: ActionStore
    links: LinkStore
    pipeline: MailPipeline
    cascade: Cascade
    audit: AuditStore
    policy: PolicyHolder
    workflow: Workflow
    users: UserStore
    review: ReviewStore
    approvals: Approvals
    login: Login
    autonomy: Autonomy
    odoo: OdooClient | None = None
    llm: LlmTasks | None = None


def build_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    """Connect to the database (migrating it when asked) and wire the pipeline and cascade."""
    from triage.actions.workflow import Workflow
    from triage.approvals import Approvals
    from triage.autonomy import Autonomy
    from triage.llm.build import build_llm
    from triage.odoo.adapter import OdooClient
    from triage.odoo.partners import PartnerLanguage
    from triage.pipeline import FilingRules, MailPipeline
    from triage.pipeline.shipments import ShipmentTracking
    from triage.policy.loader import PolicyHolder
    from triage.store import MessageStore, make_engine, make_sessionmaker, upgrade
    from triage.store.actions import ActionStore
    from triage.store.apikeys import ApiKeyStore
    from triage.store.audit import AuditStore
    from triage.store.autonomy import AutonomyStore
    from triage.store.feedback import FeedbackStore
    from triage.store.links import LinkStore
    from triage.store.mailboxes import MailboxStateStore
    from triage.store.pipeline import PipelineStore
    from triage.store.review import ReviewStore
    from triage.store.shipments import ShipmentStore
    from triage.store.users import BoundedHasher, UserStore

    engine = make_engine(settings.sqlalchemy_url)
    if migrate:
        upgrade(engine)
    sessions = make_sessionmaker(engine)
    store = MessageStore(sessions)
    llm = build_llm(settings, sessions)
    cascade = build_cascade(settings, llm)
    links = LinkStore(sessions)
    odoo = OdooClient(settings.odoo) if settings.odoo else None
    keys, actions, audit = ApiKeyStore(sessions), ActionStore(sessions), AuditStore(sessions)
    policy = PolicyHolder(settings.policy)
    autonomy = Autonomy(AutonomyStore(sessions), policy)
    workflow = Workflow(
        policy,
        actions,
        audit,
        llm.service if llm else None,
        PartnerLanguage(odoo) if odoo else None,
        autonomy=autonomy,
    )
    linker = build_linker(settings, odoo, policy.current().supplier.transfer_days)
    pipeline = MailPipeline(
        store,
        PipelineStore(sessions),
        cascade,
        settings.pipeline,
        settings.parse,
        settings.entities,
        linker,
        links,
        workflow,
        FilingRules(actions, {m.name: m for m in settings.mailboxes}),
        supplier=build_supplier_reading(odoo, policy),
        shipments=ShipmentTracking(ShipmentStore(sessions), trusted_servers(settings)),
    )
    mailbox_state = MailboxStateStore(sessions)
    users = UserStore(sessions, BoundedHasher(settings.api.login.hash_concurrency))
    return Runtime(
        settings,
        engine,
        store,
        keys,
        mailbox_state,
        actions,
        links,
        pipeline,
        cascade,
        audit,
        policy,
        workflow,
        users,
        ReviewStore(sessions),
        Approvals(actions, FeedbackStore(sessions), cascade.taxonomy, autonomy),
        build_login(settings, users, sessions),
        autonomy,
        odoo,
        llm,
    )


@contextmanager
def opened_runtime(settings: Settings) -> Iterator[Runtime]:
    """A runtime whose database connections are closed when the block ends."""
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.engine.dispose()


def build_login(settings: Settings, users: UserStore, sessions: sessionmaker[Session]) -> Login:
    """Throttled logins with sessions kept in the database."""
    from triage.login import Login, LoginThrottle
    from triage.store.login_sessions import LoginSessions

    return Login(
        users,
        LoginSessions(sessions, settings.api.session_hours),
        LoginThrottle(settings.api.login),
    )


def build_supplier_reading(odoo: OdooClient | None, policy: PolicyHolder) -> SupplierReading | None:
    """Supplier documents compared with their purchase orders, when Odoo is configured."""
    from triage.pipeline.supplier import SupplierReading
    from triage.supplier.check import SupplierChecker

    if odoo is None:
        return None
    return SupplierReading(SupplierChecker(odoo, capabilities=odoo), policy)


def trusted_servers(settings: Settings) -> frozenset[str]:
    """The authserv-ids of our own mail servers, whose Authentication-Results we believe."""
    names = settings.odoo.trusted_authserv_ids if settings.odoo else []
    return frozenset(a.strip().lower() for a in names)


def build_linker(
    settings: Settings, odoo: OdooClient | None = None, transfer_days: int = 1
) -> Linker | None:
    """The Odoo linker when Odoo is configured (it connects on first use); `transfer_days`
    between our warehouses dates the replenishment alternatives (the policy's setting)."""
    from triage.link.linker import Linker
    from triage.odoo.adapter import OdooClient

    if settings.odoo is None:
        return None
    free_mail = frozenset(d.lower() for d in settings.odoo.free_mail_domains)
    client = odoo or OdooClient(settings.odoo)
    return Linker(
        client,
        free_mail,
        trusted_servers(settings),
        capabilities=client,
        transfer_days=transfer_days,
    )


def build_worker(runtime: Runtime, name: str | None = None) -> Worker:
    """The outbox worker with the executors the configuration allows."""
    from triage.actions.escalation import Escalator
    from triage.actions.odoo import OdooExecutor
    from triage.actions.registry import ExecutorRegistry
    from triage.actions.webhook import WebhookExecutor
    from triage.actions.worker import Worker

    executors = ExecutorRegistry()
    if runtime.odoo is not None:
        OdooExecutor(runtime.odoo, runtime.settings.review_url).register(executors)
    WebhookExecutor(runtime.settings.webhooks).register(executors)
    escalator = Escalator(
        runtime.policy, runtime.actions, runtime.store, runtime.links, runtime.audit
    )
    return Worker(runtime.actions, executors, runtime.settings.worker, escalator, name)


def build_cascade(settings: Settings, llm: LlmStage | None = None) -> Cascade:
    """The cascade from the configured taxonomy, rules, model (may be missing) and LLM."""
    taxonomy = load_taxonomy(settings.classify.taxonomy)
    rules = load_rules(settings.classify.rules)
    classical = load_model(settings.model_dir)
    return Cascade(
        taxonomy,
        rules,
        classical,
        llm,
        triggers=settings.llm.run_when,
        extract_intents=frozenset(settings.llm.extract_intents),
        concurrency=settings.llm.concurrency,
    )


def classify_once(settings: Settings, message: Message) -> Signal:
    """One signal for the CLI: the database is opened only when the LLM needs it."""
    if not settings.llm_base_url:
        return build_cascade(settings).classify(message)
    with opened_runtime(settings) as runtime:
        return runtime.cascade.classify(message)


def feedback_examples(store: MessageStore) -> list[ReviewedExample]:
    """Messages people labelled (latest label each), as training examples with their ids."""
    return [
        ReviewedExample(message_id, Example(model_text(subject, text), intent, FEEDBACK))
        for message_id, subject, text, intent in store.reviewed_labels()
    ]


def load_model(folder: Path) -> ClassicalModel | None:
    """The saved classical model, or None (with a warning) when none was trained yet."""
    if not (folder / MODEL_FILE).is_file():
        log.warning("no classical model in %s: run `triage train`; rules only", folder)
        return None
    return ClassicalModel.load(folder)


def describe(settings: Settings) -> str:
    """One line saying what the service runs on."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)
    model = "present" if (settings.model_dir / MODEL_FILE).is_file() else "missing"
    folders = sum(len(m.folders) for m in settings.mailboxes)
    imap = f"{folders} folder(s)" if folders else "off"
    odoo = settings.odoo.url if settings.odoo else "off"
    llm = f"{settings.llm_model} at {settings.llm_base_url}" if settings.llm_base_url else "off"
    return (
        f"database {url}; rules and classical model ({model}); LLM: {llm}; Odoo: {odoo}; "
        f"IMAP: {imap}"
    )
