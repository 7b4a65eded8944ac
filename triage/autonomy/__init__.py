"""Earned autonomy: an (intent, decider) pair acts alone once verdicts show it may."""

from triage.autonomy.service import Autonomy

__all__ = ["Autonomy"]
