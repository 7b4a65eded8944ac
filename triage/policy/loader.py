"""Loading the policy file: errors name the line and the reason; a bad edit keeps the last
good policy in a running service."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from triage.errors import ConfigurationError
from triage.policy.model import Policy

log = logging.getLogger(__name__)
DEFAULT_POLICY = Path(__file__).parent / "defaults" / "policy.yaml"


def load_policy(path: Path | None = None) -> Policy:
    """The policy in `path` (the shipped default when None), or a ConfigurationError."""
    path = path or DEFAULT_POLICY
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"policy {path}: cannot read it: {exc}") from exc
    return parse_policy(text, str(path))


def parse_policy(text: str, name: str = "policy") -> Policy:
    """A policy from YAML text; errors say `name:line: reason`."""
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigurationError(f"{name}{line}: YAML syntax error: {reason}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{name}: the policy must be a mapping with version and rules")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        got = first.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float | bool) else ""
        raise ConfigurationError(
            f"{name}:{_line_of(root, first['loc'])}: {where}: {first['msg']}{shown}"
        ) from exc
    policy.digest = hashlib.sha256(text.encode()).hexdigest()
    return policy


def _line_of(node: Any, path: tuple[int | str, ...]) -> int:
    """The line of the deepest node along `path` that exists in the YAML tree."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


class PolicyHolder:
    """The current policy, reloaded when its file changes; a bad file keeps the last good one."""

    def __init__(self, path: Path | None) -> None:
        self.path = path or DEFAULT_POLICY
        self._lock = threading.Lock()
        self._policy = load_policy(self.path)  # at start, a bad file is refused outright
        self._stamp = self._mtime()
        self.last_error = ""

    def current(self) -> Policy:
        """The policy, after a reload if the file changed since the last look."""
        stamp = self._mtime()
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._reload(stamp)
        return self._policy

    def _reload(self, stamp: float) -> None:
        self._stamp = stamp
        try:
            policy = load_policy(self.path)
        except ConfigurationError as exc:
            self.last_error = exc.message
            log.error("%s; keeping policy %s", exc.message, self._policy.full_version)
            return
        self.last_error = ""
        log.info("policy %s loaded from %s", policy.full_version, self.path)
        self._policy = policy

    def _mtime(self) -> float:
        try:
            return self.path.stat().st_mtime_ns / 1e9
        except OSError:
            return self._stamp if hasattr(self, "_stamp") else 0.0
