"""`triage autonomy [pin | unpin]`: how far each (intent, decider) acts alone, and pins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from models import AutonomyState
from triage.cli.actor import cli_actor
from triage.errors import InvalidRequest, NotFound

if TYPE_CHECKING:
    from models import Standing
    from triage.runtime import Runtime

autonomy_app = typer.Typer(
    help="Earned autonomy per intent and decider: `triage autonomy` prints the table.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    """Add the autonomy commands to the CLI."""
    app.add_typer(autonomy_app, name="autonomy")


@autonomy_app.callback()
def table(ctx: typer.Context) -> None:
    """Print n, precision, Wilson lower bound, state and last change per intent and decider."""
    if ctx.invoked_subcommand is not None:
        return
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        standings = runtime.autonomy.standings()
        policy = runtime.policy.current().autonomy
    console = Console()
    console.print(standings_table(standings))
    console.print(
        f"promote at lower bound >= {policy.target:.0%} over >= {policy.min_decisions} "
        f"reviewed decisions in {policy.window_days} days; demote below "
        f"{policy.demote_below:.0%}; new pairs start {policy.default}"
    )


def standings_table(standings: list[Standing]) -> Table:
    """The standings as a rich table."""
    table = Table(
        "intent", "decider", "n", "correct", "precision", "lower bound", "state", "changed"
    )
    for s in standings:
        state = f"{s.state} (pinned)" if s.pinned else str(s.state)
        when = s.changed_at.strftime("%Y-%m-%d %H:%M") if s.changed_at else ""
        table.add_row(
            s.intent,
            s.decider,
            str(s.n),
            str(s.correct),
            _percent(s.precision),
            _percent(s.lower_bound),
            state,
            f"{when} {s.change_reason}".strip(),
        )
    if not standings:
        table.caption = "no reviewed decisions yet: every pair is in its starting state"
    return table


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@autonomy_app.command("pin")
def pin(
    intent: Annotated[str, typer.Argument(help="An intent of the taxonomy")],
    decider: Annotated[str, typer.Argument(help="rules, classical or llm")],
    state: Annotated[AutonomyState, typer.Argument(help="shadow, assisted or autonomous")],
    actor: Annotated[str, typer.Option(help="Who pins (recorded in the audit)")] = "",
) -> None:
    """Pin INTENT/DECIDER to STATE: measurements no longer change it until unpinned."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        _check(runtime, intent, decider)
        standing = runtime.autonomy.pin(intent, decider, state, cli_actor(actor))
    typer.echo(f"{intent}/{decider} pinned {standing.state}")


@autonomy_app.command("unpin")
def unpin(
    intent: Annotated[str, typer.Argument(help="An intent of the taxonomy")],
    decider: Annotated[str, typer.Argument(help="rules, classical or llm")],
    actor: Annotated[str, typer.Option(help="Who unpins (recorded in the audit)")] = "",
) -> None:
    """Unpin INTENT/DECIDER: its measured (or starting) state applies again."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        _check(runtime, intent, decider)
        standing = runtime.autonomy.pin(intent, decider, None, cli_actor(actor))
    typer.echo(f"{intent}/{decider} unpinned: now {standing.state}")


def _check(runtime: Runtime, intent: str, decider: str) -> None:
    from triage.policy.model import AUTONOMY_DECIDERS as DECIDERS

    if decider not in DECIDERS:
        raise InvalidRequest(f"unknown decider {decider!r}: one of {', '.join(DECIDERS)}")
    if runtime.cascade.taxonomy.get(intent) is None:
        raise NotFound(f"no intent {intent!r} in the taxonomy")
