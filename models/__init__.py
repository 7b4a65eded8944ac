"""The shared vocabulary: pydantic schemas with no I/O."""

from models.action import (
    ActionKind,
    ActionRecord,
    ActionState,
    AuditEvent,
    ProposedAction,
    Target,
    UserRole,
)
from models.draft import Draft, DraftFacts
from models.entity import Entity, EntityKind, TextField
from models.link import ImpactedOrder, Link, LinkResult, LinkStatus
from models.message import (
    Address,
    Attachment,
    AutoKind,
    BounceInfo,
    Defect,
    DefectCode,
    Message,
)
from models.signal import (
    Intent,
    IntentScore,
    LlmCall,
    Sentiment,
    Signal,
    Stage,
    StageResult,
    Urgency,
)
from models.taxonomy import IntentDef, IntentGroup, Taxonomy

__all__ = [
    "ActionKind",
    "ActionRecord",
    "ActionState",
    "AuditEvent",
    "ProposedAction",
    "UserRole",
    "Target",
    "Draft",
    "DraftFacts",
    "Address",
    "Attachment",
    "AutoKind",
    "BounceInfo",
    "Defect",
    "DefectCode",
    "Entity",
    "EntityKind",
    "Intent",
    "ImpactedOrder",
    "IntentDef",
    "IntentGroup",
    "IntentScore",
    "Link",
    "LinkResult",
    "LinkStatus",
    "Message",
    "Sentiment",
    "Signal",
    "Stage",
    "LlmCall",
    "StageResult",
    "Taxonomy",
    "TextField",
    "Urgency",
]
