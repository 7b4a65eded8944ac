"""`triage user create`: people who log in to the review UI."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Annotated

import typer

from models import UserRole
from triage.config import get_settings
from triage.errors import TriageError
from triage.runtime import opened_runtime

user_app = typer.Typer(help="Users of the review UI.", no_args_is_help=True)
PASSWORD_ENV = "TRIAGE_USER_PASSWORD"


def register(app: typer.Typer) -> None:
    """Add the user commands to the CLI."""
    app.add_typer(user_app, name="user")


@user_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[UserRole, typer.Option(help="agent, approver or admin")] = UserRole.AGENT,
    generate: Annotated[bool, typer.Option(help="Make up a password and print it once")] = False,
    if_none: Annotated[
        bool, typer.Option("--if-none", help="Only when no user exists yet (first start)")
    ] = False,
) -> None:
    """Create a user. The password comes from TRIAGE_USER_PASSWORD, a prompt, or --generate."""
    settings = get_settings()
    url = f"http://{settings.api.host}:{settings.api.port}/login"
    with opened_runtime(settings) as runtime:
        if if_none and runtime.users.count():
            typer.echo(f"Log in at {url} (more users: triage user create NAME --role ROLE)")
            return
        password = _password(generate)
        runtime.users.create(name, password, role)
    if generate:
        typer.echo(f"First login: {url} as {name!r} with password {password} (shown once)")
    else:
        typer.echo(f"user {name!r} ({role}) created; log in at {url}")


def _password(generate: bool) -> str:
    if generate:
        return secrets.token_urlsafe(12)
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise TriageError(f"set {PASSWORD_ENV}, or run in a terminal to be asked, or --generate")
    return str(typer.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True))
