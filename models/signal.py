"""The structured reading of a message: intents, urgency, sentiment and provenance."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from models.entity import Entity


class Intent(StrEnum):
    """The default intent names for a distributor (the taxonomy file may add more)."""

    ORDER_STATUS = "order_status"
    DELIVERY_PROBLEM = "delivery_problem"
    ORDER_CHANGE = "order_change"
    ORDER_CANCEL = "order_cancel"
    NEW_ORDER = "new_order"
    QUOTE_REQUEST = "quote_request"
    INVOICE_REQUEST = "invoice_request"
    BILLING_DISPUTE = "billing_dispute"
    PAYMENT = "payment"
    RETURN_REQUEST = "return_request"
    COMPLAINT = "complaint"
    PRODUCT_QUESTION = "product_question"
    ACCOUNT_UPDATE = "account_update"
    SUPPLIER_DELAY = "supplier_delay"
    SUPPLIER_CONFIRMATION = "supplier_confirmation"
    SUPPLIER_SHIPMENT = "supplier_shipment"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_PRICE_CHANGE = "supplier_price_change"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    NEWSLETTER = "newsletter"
    SPAM = "spam"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon someone should look."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Sentiment(StrEnum):
    """The writer's tone."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Stage(StrEnum):
    """Who decided a signal."""

    RULES = "rules"
    CLASSICAL = "classical"
    LLM = "llm"
    HUMAN = "human"


class IntentScore(BaseModel):
    """One intent a message carries, with its confidence and the entities it concerns."""

    model_config = ConfigDict(frozen=True)

    intent: str
    confidence: float = Field(ge=0.0, le=1.0)
    entities: list[Entity] = Field(default_factory=list)
    routed: bool = Field(
        default=False,
        description="The policy acts on it in its own right: decided with certainty, or a "
        "request of the mail that passed its own threshold (else: information only)",
    )


class LlmCall(BaseModel):
    """What one LLM call cost and which model and prompt answered."""

    model: str
    prompt_version: str
    tokens_in: int = Field(default=0, ge=0)
    tokens_out: int = Field(default=0, ge=0)
    latency_ms: float = Field(default=0.0, ge=0.0)
    cached: bool = False
    raw_output: str = Field(default="", description="The model's text, kept when it was unusable")


class StageResult(BaseModel):
    """What one stage of the cascade answered, or why it did not."""

    stage: Stage
    intents: list[IntentScore] = Field(default_factory=list)
    certain: bool = False
    skipped: bool = False
    failed: bool = Field(default=False, description="The stage was asked and did not answer")
    reason: str = Field(default="", description="Rule that fired, threshold missed, or error")
    trigger: str = Field(default="", description="Why the LLM was asked")
    version: str = ""
    llm: LlmCall | None = None
    urgency: Urgency | None = None
    sentiment: Sentiment | None = None
    language: str | None = None
    summary: str = ""
    entities: list[Entity] = Field(default_factory=list, description="Entities this stage added")
    segment_intents: list[IntentScore] = Field(
        default_factory=list,
        description="Intents single parts of the mail carry past their own threshold",
    )


class Signal(BaseModel):
    """What a message is about, how sure we are, and who decided."""

    message_id: str | None = None
    intents: list[IntentScore] = Field(default_factory=list)
    urgency: Urgency = Urgency.NORMAL
    urgency_reasons: list[str] = Field(default_factory=list)
    sentiment: Sentiment = Sentiment.NEUTRAL
    sentiment_score: float = Field(default=0.0, ge=-1.0, le=1.0)
    language: str | None = None
    summary: str = ""
    entities: list[Entity] = Field(default_factory=list)
    decided_by: Stage = Stage.RULES
    fallback: bool = Field(default=False, description="The LLM was wanted but failed")
    fallback_reason: str = ""
    stages: list[StageResult] = Field(default_factory=list)
    high_risk: bool = False
    needs_review: bool = False
    review_reason: str = ""
    model_version: str = ""
    data_hash: str = ""

    @property
    def intent(self) -> str:
        """The primary intent ('other' when there is none)."""
        return self.intents[0].intent if self.intents else Intent.OTHER.value

    @property
    def confidence(self) -> float:
        """Confidence of the primary intent."""
        return self.intents[0].confidence if self.intents else 0.0
