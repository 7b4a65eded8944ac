"""Example bodies for the OpenAPI schema and the reference page.

The signal is a real answer of the shipped model (confidences rounded, no LLM configured).
tests/integration/test_openapi.py validates every example against the published schema.
"""

from __future__ import annotations

from typing import Any

CLASSIFY_REQUEST: dict[str, Any] = {
    "subject": "Order S00042",
    "text": "Hello, where is my order S00042? It was due yesterday and we need it for Monday.",
    "from": "buyer@example.com",
}

_ORDER_REF_SUBJECT = {
    "kind": "sale_order",
    "raw": "S00042",
    "value": "S00042",
    "field": "subject",
    "start": 6,
    "end": 12,
    "confidence": 0.95,
    "extra": {},
}
_ORDER_REF_TEXT = _ORDER_REF_SUBJECT | {"field": "text", "start": 25, "end": 31}


def _stage(stage: str, reason: str, version: str, **fields: Any) -> dict[str, Any]:
    return {
        "stage": stage,
        "intents": [],
        "certain": False,
        "skipped": False,
        "failed": False,
        "reason": reason,
        "trigger": "",
        "version": version,
        "llm": None,
        "urgency": None,
        "sentiment": None,
        "language": None,
        "summary": "",
        "entities": [],
        "segment_intents": [],
    } | fields


def _score(intent: str, confidence: float, routed: bool = False) -> dict[str, Any]:
    return {"intent": intent, "confidence": confidence, "entities": [], "routed": routed}


SIGNAL: dict[str, Any] = {
    "message_id": "6f60fad7a2b9cc5ad7f213b10735d237",
    "intents": [
        _score("delivery_problem", 0.76) | {"entities": [_ORDER_REF_SUBJECT, _ORDER_REF_TEXT]},
        _score("order_status", 0.96, routed=True),
    ],
    "urgency": "high",
    "urgency_reasons": ["intent delivery_problem"],
    "sentiment": "neutral",
    "sentiment_score": 0.0,
    "language": "en",
    "summary": "It was due yesterday and we need it for Monday.",
    "entities": [_ORDER_REF_SUBJECT, _ORDER_REF_TEXT],
    "decided_by": "classical",
    "fallback": False,
    "fallback_reason": "",
    "stages": [
        _stage("rules", "no rule fired", "2025.1"),
        _stage(
            "classical",
            "delivery_problem 0.76 below threshold 0.94",
            "20261206-ec9c5b85",
            intents=[
                _score("delivery_problem", 0.76),
                _score("order_status", 0.18),
                _score("order_change", 0.03),
            ],
            segment_intents=[_score("order_status", 0.96)],
        ),
        _stage("llm", "no LLM configured", "", skipped=True),
    ],
    "high_risk": False,
    "needs_review": True,
    "review_reason": "unsure: delivery_problem 0.76 below threshold 0.94",
    "model_version": "rules:2025.1;classical:20261206-ec9c5b85",
    "data_hash": "ec9c5b851053d9799ee6e0c1e02f08201e6280fa6624d6d7c0604f320a24406a",
}

BATCH_REQUEST: dict[str, Any] = {
    "items": [CLASSIFY_REQUEST, {"text": "Please cancel PO P00017, we ordered twice."}]
}

BATCH_RESPONSE: dict[str, Any] = {"signals": [SIGNAL]}

TAXONOMY: dict[str, Any] = {
    "version": "1",
    "intents": [
        {
            "name": "order_status",
            "group": "customer",
            "description": "Customer asks where an order is or when it will arrive",
            "high_risk": False,
        },
        {
            "name": "other",
            "group": "other",
            "description": "Anything else",
            "high_risk": False,
        },
    ],
}

RAW_MAIL = (
    "From: Buyer <buyer@example.com>\r\n"
    "To: orders@example.com\r\n"
    "Subject: Order S00042\r\n"
    "Message-ID: <1234@example.com>\r\n"
    "Date: Mon, 7 Dec 2026 09:00:00 +0000\r\n"
    "\r\n"
    "Hello, where is my order S00042? It was due yesterday.\r\n"
)

APPROVAL: dict[str, Any] = {
    "subject": "Your order S00042",
    "body": "Hello, your order left our warehouse today and arrives on Monday.",
}

REJECTION: dict[str, Any] = {"reason": "The customer already called; nothing to send."}

PIN: dict[str, Any] = {"state": "autonomous"}

CONFIRMATION: dict[str, Any] = {
    "message_id": "6f60fad7a2b9cc5ad7f213b10735d237",
    "intent": "order_status",
    "decider": "classical",
    "confirmed_by": "user:anna",
}
