"""What a conversation summary is made from (summary_context's answer) and what it is."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sapa.conversations.records import ConversationStatus, SummaryData

MessageSender = Literal["customer", "bot", "agent"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ContextMessage(_Frozen):
    sender: MessageSender
    body: str
    media: int = 0
    """How many attachments (photos, documents) the message carries."""
    created_at: datetime


class OrderRef(_Frozen):
    number: str
    status: str


class SummaryContext(_Frozen):
    conversation_id: uuid.UUID
    store_id: uuid.UUID
    store_name: str
    status: ConversationStatus
    assigned: bool
    customer_name: str | None = None
    customer_phone: str | None = None
    category: Literal["delivery", "order", "payment", "refund", "other"] | None = None
    """The classifier's label of the latest labelled customer message."""
    urgency: Literal["low", "medium", "high"] | None = None
    message_count: int
    messages: list[ContextMessage] = Field(default_factory=list)
    """The last messages, oldest first."""
    orders: list[OrderRef] = Field(default_factory=list)
    """The customer's recent orders, newest first."""

    @property
    def customer_messages(self) -> list[ContextMessage]:
        return [m for m in self.messages if m.sender == "customer"]


class ConversationSummary(_Frozen):
    text: str
    data: SummaryData
