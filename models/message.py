"""The parsed, clean form of one mail."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.authres import AuthenticationResults
from models.entity import Entity


class AutoKind(StrEnum):
    """Marks mail written by a machine rather than a person."""

    NONE = "none"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    NEWSLETTER = "newsletter"
    LIST = "list"


class DefectCode(StrEnum):
    """Kinds of problems the parser met and survived."""

    HEADER = "header"
    MIME = "mime"
    CHARSET_FALLBACK = "charset_fallback"
    MISSING_MESSAGE_ID = "missing_message_id"
    MISSING_DATE = "missing_date"
    BAD_DATE = "bad_date"
    BAD_ADDRESS = "bad_address"
    TOO_LARGE = "too_large"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    TOO_DEEP = "too_deep"
    HTML = "html"
    HTML_TRUNCATED = "html_truncated"
    EMPTY_BODY = "empty_body"
    NOT_MAIL = "not_mail"
    REUSED_MESSAGE_ID = "reused_message_id"


class Defect(BaseModel):
    """A problem found while parsing, recorded instead of raised."""

    model_config = ConfigDict(frozen=True)

    code: DefectCode
    detail: str = ""

    @field_validator("detail")
    @classmethod
    def _printable(cls, value: str) -> str:
        # Details quote broken input; raw bytes kept as surrogates would not encode.
        return value.encode("utf-8", "replace").decode("utf-8")[:1_000]


class Address(BaseModel):
    """A mail address with its display name."""

    model_config = ConfigDict(frozen=True)

    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        """The lower-cased domain part, or '' when there is none."""
        return self.email.rpartition("@")[2].lower() if "@" in self.email else ""


class Attachment(BaseModel):
    """Metadata of an attachment; its bytes are hashed and measured, not kept."""

    model_config = ConfigDict(frozen=True)

    name: str = ""
    content_type: str
    size: int = Field(ge=0)
    sha256: str


class BounceInfo(BaseModel):
    """What a delivery-status notification says went wrong."""

    model_config = ConfigDict(frozen=True)

    recipients: list[str] = Field(default_factory=list)
    status: str = ""
    action: str = ""
    diagnostic: str = ""


class Message(BaseModel):
    """One mail, parsed: headers, clean text, attachments' metadata, markers and defects."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="Stable id derived from the dedup key")
    key: str = Field(description="Dedup key: 'mid:<Message-ID>' or 'sha256:<content hash>'")
    message_id: str | None = None
    source: str = "file"
    source_position: str | None = Field(
        default=None, description="Where in the source: file path, mbox index, IMAP UID"
    )
    size: int = Field(default=0, ge=0)
    content_sha256: str = ""
    date: datetime | None = Field(default=None, description="The Date header")
    received_at: datetime | None = Field(default=None, description="When we received it")
    from_: Address | None = Field(default=None, alias="from")
    sender: Address | None = None
    reply_to: list[Address] = Field(default_factory=list)
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    subject: str = ""
    text: str = Field(default="", description="The new text of this message")
    quoted: str = Field(default="", description="Quoted earlier messages")
    signature: str = ""
    html_text: str = Field(default="", description="Readable text derived from the HTML part")
    attachments: list[Attachment] = Field(default_factory=list)
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    language: str | None = None
    auto: AutoKind = AutoKind.NONE
    auto_reason: str = ""
    bounce: BounceInfo | None = None
    authentication: list[AuthenticationResults] = Field(
        default_factory=list,
        description="Authentication-Results headers, topmost first (trust is decided later)",
    )
    entities: list[Entity] = Field(default_factory=list)
    defects: list[Defect] = Field(default_factory=list)

    def has_defect(self, code: DefectCode) -> bool:
        """True when a defect of this kind was recorded."""
        return any(d.code == code for d in self.defects)
