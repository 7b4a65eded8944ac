"""`triage user create | password | role`: people who log in to the review UI.

A new password or role ends every session the user has open."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Annotated

import typer

from models import UserRole
from triage.errors import TriageError

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
    from triage.config import get_settings
    from triage.runtime import opened_runtime

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


@user_app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="Login name")],
    generate: Annotated[bool, typer.Option(help="Make up a password and print it once")] = False,
) -> None:
    """Set a new password (TRIAGE_USER_PASSWORD, a prompt, or --generate); logs the user out."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        new = _password(generate)
        runtime.users.set_password(name, new)
    shown = f": {new} (shown once)" if generate else ""
    typer.echo(f"new password for {name!r}{shown}; their sessions have ended")


@user_app.command("role")
def role(
    name: Annotated[str, typer.Argument(help="Login name")],
    new_role: Annotated[UserRole, typer.Argument(metavar="ROLE", help="agent, approver or admin")],
) -> None:
    """Give the user another role; logs the user out."""
    from triage.config import get_settings
    from triage.runtime import opened_runtime

    with opened_runtime(get_settings()) as runtime:
        runtime.users.set_role(name, new_role)
    typer.echo(f"{name!r} is now {new_role}; their sessions have ended")


def _password(generate: bool) -> str:
    if generate:
        return secrets.token_urlsafe(12)
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise TriageError(f"set {PASSWORD_ENV}, or run in a terminal to be asked, or --generate")
    return str(typer.prompt("Password (10+ characters)", hide_input=True, confirmation_prompt=True))
