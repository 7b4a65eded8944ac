"""The rules stage: deterministic, explainable decisions from markers, senders and patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models import AutoKind, IntentScore, Message, Stage, StageResult, Taxonomy
from parsers.carriers import CARRIER_NAMES, carrier_of_sender, read_shipment_events
from triage.classify.files import DEFAULT_RULES, load_yaml_model
from triage.classify.literals import lowered_for_literals, may_match, required_literals
from triage.errors import ConfigurationError


class Role(StrEnum):
    """Who the sender is to us."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class SenderLists(BaseModel):
    """Known supplier and customer domains and addresses."""

    model_config = ConfigDict(frozen=True)

    supplier_domains: frozenset[str] = frozenset()
    supplier_addresses: frozenset[str] = frozenset()
    customer_domains: frozenset[str] = frozenset()
    customer_addresses: frozenset[str] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        if isinstance(value, list | set | frozenset | tuple):
            return frozenset(str(v).strip().lower() for v in value)
        return value

    def role_of(self, email: str) -> Role | None:
        """The sender's role by exact address first, then by domain."""
        email = email.lower()
        domain = email.rpartition("@")[2]
        if email in self.supplier_addresses:
            return Role.SUPPLIER
        if email in self.customer_addresses:
            return Role.CUSTOMER
        if domain in self.supplier_domains:
            return Role.SUPPLIER
        if domain in self.customer_domains:
            return Role.CUSTOMER
        return None


class Rule(BaseModel):
    """One rule: conditions that must all hold, and the intent it then gives."""

    model_config = ConfigDict(frozen=True)

    name: str
    intent: str
    priority: int = 50
    confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    certain: bool = False
    auto: frozenset[AutoKind] = frozenset()
    sender_role: Role | None = None
    patterns: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _has_a_condition(self) -> Rule:
        if not (self.auto or self.sender_role or self.patterns):
            raise ValueError(f"rule {self.name!r} has no condition")
        for pattern in self.patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"rule {self.name!r}: bad pattern {pattern!r}: {exc}") from exc
        return self

    @cached_property
    def _scans(self) -> tuple[tuple[frozenset[str] | None, re.Pattern[str]], ...]:
        return tuple((required_literals(p), re.compile(p, re.IGNORECASE)) for p in self.patterns)

    def matches(
        self, message: Message, role: Role | None, text: str, lowered: str | None = None
    ) -> bool:
        """True when every condition of the rule holds for the message (`lowered`: the text
        from `lowered_for_literals`, so patterns whose literals are absent are not run)."""
        if self.auto and message.auto not in self.auto:
            return False
        if self.sender_role and self.sender_role != role:
            return False
        if not self.patterns:
            return True
        return any(
            may_match(literals, lowered) and regex.search(text) is not None
            for literals, regex in self._scans
        )


@dataclass(frozen=True)
class _Fired:
    """A rule that fired, with what it found (`detail`, shown after its name)."""

    name: str
    intent: str
    priority: int
    confidence: float
    certain: bool
    detail: str = ""

    @classmethod
    def of(cls, rule: Rule) -> _Fired:
        """A written rule as fired, with nothing found to add."""
        return cls(rule.name, rule.intent, rule.priority, rule.confidence, rule.certain)


class CarrierRules(BaseModel):
    """Built-in rules for mail from a carrier's own domain that tells a parcel's event.

    An exception (damaged, returned, address problem, delay) is a delivery problem; a plain
    status update creates no work: it gets the intent automatic mail gets (the policy files
    it without actions), as the auto-reply marker already gives carrier mail that says
    Auto-Submitted. Both outrank the automatic-mail markers, which carrier mail often carries.
    """

    model_config = ConfigDict(frozen=True)

    enabled: bool = True
    exception_intent: str = "delivery_problem"
    status_intent: str = "auto_reply"
    priority: int = 110
    confidence: float = Field(default=0.97, ge=0.0, le=1.0)

    def fire(self, message: Message) -> _Fired | None:
        """The carrier rule the message fires, if it is a carrier notification."""
        if not self.enabled or carrier_of_sender(message) is None:
            return None
        events = read_shipment_events(message)
        if not events:
            return None
        name = CARRIER_NAMES.get(events[0].carrier, events[0].carrier)
        flagged = next((e for e in events if e.exception is not None), None)
        if flagged is not None:
            rule, intent = "carrier-exception", self.exception_intent
            detail = f"{name} reports {flagged.exception} for {flagged.tracking_number}"
        else:
            rule, intent = "carrier-status", self.status_intent
            detail = f"{name} reports {events[0].status} for {events[0].tracking_number}"
        return _Fired(rule, intent, self.priority, self.confidence, True, detail)


@dataclass(frozen=True)
class RulesOutcome:
    """The rules stage's answer and the sender role it found."""

    result: StageResult
    role: Role | None


class RuleSet(BaseModel):
    """The versioned rule file."""

    model_config = ConfigDict(frozen=True)

    version: str = "1"
    senders: SenderLists = SenderLists()
    rules: tuple[Rule, ...] = ()
    carriers: CarrierRules = CarrierRules()

    def check(self, taxonomy: Taxonomy) -> RuleSet:
        """Fail fast when a rule names an intent the taxonomy does not have."""
        named = {r.intent for r in self.rules}
        if self.carriers.enabled:
            named |= {self.carriers.exception_intent, self.carriers.status_intent}
        unknown = sorted(named - set(taxonomy.names))
        if unknown:
            raise ConfigurationError(f"rules name unknown intents: {', '.join(unknown)}")
        return self

    def evaluate(self, message: Message) -> RulesOutcome:
        """Run every rule; the highest-priority match leads, all matches are recorded."""
        role = self.senders.role_of(message.from_.email) if message.from_ else None
        text = f"{message.subject}\n{message.text}"
        lowered = lowered_for_literals(text)
        fired = [_Fired.of(r) for r in self.rules if r.matches(message, role, text, lowered)]
        carrier = self.carriers.fire(message)
        if carrier is not None:
            fired.append(carrier)
        fired.sort(key=lambda r: (-r.priority, -r.confidence))
        return RulesOutcome(_stage_result(fired, role, self.version), role)


def _stage_result(fired: list[_Fired], role: Role | None, version: str) -> StageResult:
    intents: dict[str, IntentScore] = {}
    for rule in fired:
        intents.setdefault(rule.intent, IntentScore(intent=rule.intent, confidence=rule.confidence))
    reasons = [f"rule {r.name}: {r.detail}" if r.detail else f"rule {r.name}" for r in fired]
    if role:
        reasons.append(f"sender is a known {role.value}")
    return StageResult(
        stage=Stage.RULES,
        intents=list(intents.values()),
        certain=bool(fired) and fired[0].certain,
        reason="; ".join(reasons) or "no rule fired",
        version=version,
    )


def load_rules(path: Path | None = None) -> RuleSet:
    """The rule file at `path`, or the shipped default."""
    return load_yaml_model(path or DEFAULT_RULES, RuleSet, "rules")
