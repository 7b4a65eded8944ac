"""The shared vocabulary: pydantic schemas with no I/O."""

from models.entity import Entity, EntityKind, TextField
from models.message import (
    Address,
    Attachment,
    AutoKind,
    BounceInfo,
    Defect,
    DefectCode,
    Message,
)
from models.signal import Intent, IntentScore, Sentiment, Signal, Stage, Urgency

__all__ = [
    "Address",
    "Attachment",
    "AutoKind",
    "BounceInfo",
    "Defect",
    "DefectCode",
    "Entity",
    "EntityKind",
    "Intent",
    "IntentScore",
    "Message",
    "Sentiment",
    "Signal",
    "Stage",
    "TextField",
    "Urgency",
]
