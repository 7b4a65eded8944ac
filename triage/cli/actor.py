"""Who a command acts as, for the audit trail."""

from __future__ import annotations

import getpass


def cli_actor(given: str = "") -> str:
    """`cli:NAME`: NAME as given (e.g. --actor), else the operating-system user."""
    if given:
        return f"cli:{given}"
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in this environment (some containers)
        return "cli:unknown"
