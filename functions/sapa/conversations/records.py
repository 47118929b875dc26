"""The inbox's records as the API returns them: rows of conversations, messages, notes, tickets,
templates and the team, read from the SQL functions' answers (extra columns are ignored)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ConversationStatus = Literal["bot", "human", "resolved"]
Resolution = Literal["bot_confirmed", "bot_assumed", "human"]
MessageStatus = Literal["received", "queued", "sent", "delivered", "read", "failed", "sandbox"]
TicketStatus = Literal["open", "pending", "resolved"]
TicketPriority = Literal["low", "normal", "high", "urgent"]
Sentiment = Literal["positive", "neutral", "negative"]
StoreRole = Literal["owner", "admin", "agent"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SummaryData(_Record):
    """The parts of a conversation's summary, as the card shows them."""

    want: str
    """What the customer wants, in a few words."""
    order_number: str | None = None
    """The order the conversation is about, if any."""
    sentiment: Sentiment
    next_step: str
    """What the team should do next."""
    responder: Literal["llm", "offline"]
    """Who wrote the summary: the LLM, or the offline summariser (labels and the last messages)."""


class ConversationPublic(_Record):
    id: uuid.UUID
    store_id: uuid.UUID
    customer_id: uuid.UUID
    status: ConversationStatus
    assignee_id: uuid.UUID | None = None
    handed_off_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: Resolution | None = None
    summary: str | None = None
    summary_data: SummaryData | None = None
    summary_updated_at: datetime | None = None
    last_message_at: datetime | None = None
    last_inbound_at: datetime | None = None
    """The customer's last message: WhatsApp's 24-hour window for free text runs from here."""
    created_at: datetime
    updated_at: datetime


class MessagePublic(_Record):
    id: uuid.UUID
    store_id: uuid.UUID
    conversation_id: uuid.UUID
    direction: Literal["inbound", "outbound"]
    sender: Literal["customer", "bot", "agent", "system"]
    body: str
    media: list[dict[str, Any]] = Field(default_factory=list)
    status: MessageStatus
    """For an agent's reply: queued until Twilio answers; sandbox when the store has no Twilio account."""
    provider_message_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    """agent_id, template {content_sid, variables} for a template, error when the send failed."""
    created_at: datetime


class NotePublic(_Record):
    id: uuid.UUID
    store_id: uuid.UUID
    conversation_id: uuid.UUID
    author_id: uuid.UUID | None = None
    body: str
    created_at: datetime


class TicketPublic(_Record):
    id: uuid.UUID
    store_id: uuid.UUID
    conversation_id: uuid.UUID
    status: TicketStatus
    priority: TicketPriority
    subject: str | None = None
    assignee_id: uuid.UUID | None = None
    created_by: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None


class TemplatePublic(_Record):
    id: uuid.UUID
    name: str
    content_sid: str
    language: str
    body: str
    """The text with {{1}}, {{2}}, ... placeholders."""
    variables: list[str]
    """The placeholders to fill, in order: ["1", "2"] for a body with {{1}} and {{2}}."""


class MemberPublic(_Record):
    user_id: uuid.UUID
    role: StoreRole
    email: str | None = None
    full_name: str | None = None
