"""What goes into the assistant and what comes out, and the shop records its tools hand around."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["id", "en"]
Responder = Literal["llm", "offline"]
PolicyTopic = Literal["shipping", "returns", "payment", "hours", "orders", "general"]
POLICY_TOPICS: tuple[PolicyTopic, ...] = ("shipping", "returns", "payment", "hours", "orders", "general")

WHATSAPP_LIMIT = 1600
"""Characters per WhatsApp message that Twilio accepts; longer answers are split into parts."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


# Request and reply ---------------------------------------------------------------------------------
class Turn(_Record):
    """One earlier message of the conversation, oldest first in a history."""

    role: Literal["customer", "bot", "agent"]
    text: str


class AssistantRequest(_Record):
    store_id: str
    customer_phone: str
    """E.164; the only phone whose orders the assistant may look at."""
    customer_name: str | None = None
    conversation_id: str
    history: list[Turn] = Field(default_factory=list)
    text: str
    """The customer's new message."""
    received_at: datetime | None = None
    """When the customer sent it: business hours are judged at this moment (None: now)."""
    label_confidence: float | None = None
    """How sure the classifier is of the message's category (the settings' confidence rule); None: unknown."""


class AssistantReply(_Record):
    parts: list[str]
    """The WhatsApp messages to send, in order; each at most 1,600 characters."""
    language: Language
    handoff: bool = False
    """True: hand the conversation to a person (status human); the parts tell the customer so."""
    handoff_reason: str | None = None
    responder: Responder
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    """The shop look-ups made, as {"name": ..., "args": {...}} (JSON-ready, for message metadata)."""
    sources: list[str] = Field(default_factory=list)
    """What the answer rests on, e.g. "order:1042", "product:KMJ-001", "policy:shipping"."""
    fallback_reason: str | None = None
    """Why the offline responder answered although an LLM is configured (the LLM call failed, or the
    output guard refused the LLM's answers)."""
    guard: dict[str, Any] | None = None
    """The output guard's decision on an LLM answer (guard.GuardRecord.as_json); None when no LLM
    answer was checked (no LLM configured, or the LLM call failed)."""

    @field_validator("parts")
    @classmethod
    def _parts_fit_whatsapp(cls, parts: list[str]) -> list[str]:
        if not parts or any(not part.strip() or len(part) > WHATSAPP_LIMIT for part in parts):
            raise ValueError(f"a reply is one or more non-empty parts of at most {WHATSAPP_LIMIT} characters")
        return parts


# Shop records --------------------------------------------------------------------------------------
class StoreFacts(_Record):
    name: str
    bot_persona: str | None = None
    currency: str
    timezone: str
    site_url: str | None = None
    bot_languages: tuple[Language, ...] = ("id", "en")
    """The languages the store answers in (migration 40: stores.bot_languages)."""
    bot_max_reply_chars: int = 1600
    """The longest LLM answer the store lets through (stores.bot_max_reply_chars)."""


class OrderLine(_Record):
    name: str
    quantity: int
    total: Decimal


class Order(_Record):
    """One of the writing customer's orders."""

    number: str
    status: str
    total: Decimal
    currency: str
    created_at: datetime
    date_paid: datetime | None = None
    date_completed: datetime | None = None
    payment_method: str | None = None
    shipping_method: str | None = None
    tracking_number: str | None = None
    items: list[OrderLine] = Field(default_factory=list)


class VariationAttribute(_Record):
    name: str
    option: str


class Variation(_Record):
    """One size/colour/… of a variable product, with its own stock."""

    label: str | None = None
    """The attributes as one text: "Size: XL"."""
    attributes: list[VariationAttribute] = Field(default_factory=list)
    sku: str | None = None
    price: Decimal | None = None
    stock_status: str | None = None
    stock_quantity: int | None = None
    permalink: str | None = None


class Product(_Record):
    name: str
    sku: str | None = None
    price: Decimal | None = None
    stock_status: str | None = None
    stock_quantity: int | None = None
    categories: list[str] = Field(default_factory=list)
    permalink: str | None = None
    rank: float = 0.0
    variations: list[Variation] = Field(default_factory=list)
    """On sale, for a variable product; empty for a simple one."""


class Policy(_Record):
    topic: PolicyTopic
    title: str
    body: str
    language: Language
