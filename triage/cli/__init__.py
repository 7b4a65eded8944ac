"""The `triage` command line."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from models import UserRole
from triage.errors import TriageError

if TYPE_CHECKING:
    from triage.config import Settings
    from triage.odoo.adapter import OdooClient

# Commands import the engine inside their bodies, so that `triage --help` and the commands
# that need little start fast (tests/unit/test_startup_imports.py keeps it so).

app = typer.Typer(help="Triage a distributor's shared inboxes.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
apikey_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
err = Console(stderr=True)


def main() -> None:
    """Entry point that turns our errors into one clear line and exit code 2."""
    try:
        app()
    except TriageError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)


@app.command()
def parse(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Parse one .eml file and print the Message as JSON."""
    from parsers import parse_message
    from triage.config import get_settings

    settings = get_settings()
    message = parse_message(
        file.read_bytes(), position=str(file), options=settings.parse, patterns=settings.entities
    )
    typer.echo(message.model_dump_json(indent=2, by_alias=True))


@app.command()
def ingest(
    sources: Annotated[
        list[str], typer.Argument(help=".eml, mbox, Maildir, folders, or imap://user@host/FOLDER")
    ],
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="IMAP: only mail from this day on")
    ] = None,
) -> None:
    """Store every mail found in SOURCES exactly once (IMAP backfills resume where they stopped)."""
    from triage.cli.ingest import ingest_sources

    ingest_sources(sources, since.date() if since else None)


@app.command()
def link(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Parse, classify and link one .eml file; print the Odoo links as JSON."""
    from parsers import parse_message
    from triage.config import get_settings
    from triage.runtime import build_linker, classify_once

    settings = get_settings()
    if settings.odoo is None:
        raise TriageError("Odoo is not configured: set TRIAGE_ODOO (url, database, login, api_key)")
    linker = build_linker(settings)
    assert linker is not None
    message = parse_message(
        file.read_bytes(), position=str(file), options=settings.parse, patterns=settings.entities
    )
    signal = classify_once(settings, message)
    typer.echo(linker.link(message, signal).model_dump_json(indent=2))


@app.command()
def status() -> None:
    """Show each watched mailbox folder's health, and the outbox by state and failure class."""
    from triage.classify.gate import describe_decision, last_model_decision
    from triage.config import get_settings
    from triage.ingest.service import stale_folders
    from triage.runtime import describe, opened_runtime

    settings = get_settings()
    with opened_runtime(settings) as runtime:
        health = runtime.mailbox_state.health()
        counts, failures = runtime.actions.counts(), runtime.actions.failures()
        escalated, policy = runtime.actions.escalated(), runtime.policy.current().full_version
        mail, stopped = runtime.pipeline.progress.counts(), runtime.pipeline.progress.stopped(10)
        gate = last_model_decision(runtime.audit)
    stale = set(stale_folders(health, settings.mailboxes))
    table = Table("last poll", "last message", "backlog", "errors", "state")
    table.columns.insert(0, Column("mailbox/folder", no_wrap=True))
    for h in health:
        name = f"{h.account}/{h.folder}"
        state = "STALE" if name in stale else "ok"
        if h.last_error and name in stale:
            state += f": {h.last_error[:60]}"
        table.add_row(
            name,
            _when(h.last_poll_at),
            _when(h.last_message_at),
            str(h.backlog),
            str(h.errors),
            state,
        )
    for name in sorted(stale - {f"{h.account}/{h.folder}" for h in health}):
        table.add_row(name, "never", "-", "-", "-", "STALE")
    Console().print(table)
    typer.echo(describe(settings))
    by_state = ", ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "none"
    typer.echo(f"policy {policy}; actions: {by_state}; escalated {escalated}")
    typer.echo(
        f"failed or dead actions: business {failures.get('business', 0)}, "
        f"technical {failures.get('technical', 0)}"
    )
    typer.echo("mail: " + (", ".join(f"{k} {n}" for k, n in sorted(mail.items())) or "none"))
    model = runtime.cascade.classical.version if runtime.cascade.classical else "none"
    last = describe_decision(*gate) if gate else "none"
    typer.echo(f"model: {model}; last gate decision: {last}")
    if runtime.odoo is not None:
        typer.echo(_odoo_status(runtime.odoo))
    for status, subject in stopped:
        typer.echo(
            f"  {status.state} after {status.attempts} attempt(s): {status.message_id} "
            f"{subject[:50]!r}: {status.last_error[:120]}"
        )


def _odoo_status(odoo: OdooClient) -> str:
    """The capability probe's findings: version, and what a missing module disables."""
    from triage.errors import OdooError

    try:
        caps = odoo.capabilities()
    except OdooError as exc:
        return f"odoo: not probed: {type(exc).__name__}: {exc.message}"
    lines = [f"odoo {caps.server_version}, time zone {caps.tz}"]
    lines += [f"  {line}" for line in (*caps.disabled, *caps.probe_errors)]
    return "\n".join(lines if len(lines) > 1 else [lines[0] + ": every feature available"])


@app.command()
def requeue(
    message_id: Annotated[str | None, typer.Argument(help="The dead message to try again")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead message")] = False,
) -> None:
    """Give dead mail a fresh set of tries (after fixing what killed it); the sweep runs it."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    if (message_id is None) == (not all_dead):
        raise TriageError("name one dead message, or pass --all-dead")
    with opened_runtime(get_settings()) as runtime:
        count = runtime.pipeline.progress.requeue(message_id)
    if message_id is not None and count == 0:
        raise TriageError(f"{message_id} is not a dead message")
    typer.echo(f"requeued {count} message(s)")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest version."""
    from triage.config import get_settings
    from triage.runtime import build_runtime, describe

    settings = get_settings()
    build_runtime(settings, migrate=True).engine.dispose()
    typer.echo(f"database at head: {describe(settings)}")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="Who the key is for")],
    role: Annotated[UserRole, typer.Option(help="agent, approver or admin")] = UserRole.AGENT,
) -> None:
    """Create an API key with a role and print it once; only its hash is stored."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        key = runtime.keys.create(name, role)
    err.print(f"API key for {name!r} with role {role} (shown once, store it now):")
    typer.echo(key)


@apikey_app.command("revoke")
def apikey_revoke(name: Annotated[str, typer.Argument(help="Whose key to revoke")]) -> None:
    """Revoke the API key called NAME."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        if not runtime.keys.revoke(name):
            raise TriageError(f"no API key named {name!r}")
    typer.echo(f"revoked {name}")


@app.command()
def worker() -> None:
    """Run the outbox worker alone (actions, retries, escalation) until interrupted."""
    from triage.config import get_settings
    from triage.runtime import build_worker, describe, opened_runtime

    settings = get_settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with opened_runtime(settings) as runtime:
        err.print(
            f"outbox worker: {describe(settings)}; policy {runtime.policy.current().full_version}"
        )
        try:
            build_worker(runtime).run(stop)
        except KeyboardInterrupt:
            stop.set()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = True,
    demo_mailbox: Annotated[
        Path | None,
        typer.Option(help="Mail folder ingested at start when no mailbox is configured"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Server processes [default: one per core]")
    ] = None,
) -> None:
    """Start the HTTP service."""
    import os

    import uvicorn

    from triage.config import get_settings
    from triage.runtime import describe
    from triage.serve_workers import prepared_workers, run_workers

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    count = workers or os.cpu_count() or 1
    logging.getLogger(__name__).info("starting %d worker(s): %s", count, describe(settings))
    _announce_mailboxes(settings, demo_mailbox)
    address = (host or settings.api.host, port or settings.api.port)
    if count == 1:  # in this process, as before
        # By name, not by import: the api package sits above triage and imports it.
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            access_log=access_log,
            host=address[0],
            port=address[1],
        )
        return
    with prepared_workers(settings, count):
        run_workers(count, *address, access_log)


def _announce_mailboxes(settings: Settings, demo: Path | None) -> None:
    """With no mailbox configured, say so in one line and load the demo mailbox if given.

    Configured mailboxes are announced by the watcher service as it starts them."""
    from triage.cli.ingest import ingest_files
    from triage.runtime import opened_runtime

    log = logging.getLogger(__name__)
    if settings.mailboxes:
        return
    if demo is None:
        log.info("no mailbox configured (TRIAGE_MAILBOXES): mail arrives by the API or ingest")
        return
    log.info("no mailbox configured (TRIAGE_MAILBOXES): using the demo mailbox %s", demo)
    with opened_runtime(settings) as runtime:
        ingest_files(runtime, [demo])


from triage.cli import autonomy as _autonomy  # noqa: E402
from triage.cli import classify as _classify  # noqa: E402  (registers its commands)
from triage.cli import users as _users  # noqa: E402

_autonomy.register(app)
_classify.register(app)
_users.register(app)
