"""An agent's reply from the inbox: check → store (queued) → send → record the provider's answer.

WhatsApp's rules come first: free text only within 24 hours of the customer's last message, an approved
template any time. A reply that breaks them is refused before anything is stored. Replying takes the
conversation over from the bot (record_agent_message does it in the same transaction as the message)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.channels.twilio.sender import SendResult
from sapa.conversations.outbound import (
    Destination,
    MessageSender,
    StoredMessage,
    Template,
    send_stored_message,
)
from sapa.conversations.records import ConversationStatus, MessagePublic
from sapa.conversations.templates import approved_template, render
from sapa.conversations.window import require_open_window


def utc_now() -> datetime:
    return datetime.now(UTC)


class ConversationNotFound(LookupError):
    """The store has no such conversation."""


class CannotReply(Exception):
    """The conversation cannot take a reply now (resolved, or the store has no WhatsApp number)."""


class TextReply(BaseModel):
    model_config = ConfigDict(frozen=True)

    body: str


class TemplateReply(BaseModel):
    model_config = ConfigDict(frozen=True)

    content_sid: str
    variables: dict[str, str]


@dataclass(frozen=True)
class AgentReplyDeps:
    supabase: Client
    sender: MessageSender
    status_callback: str | None = None
    """Where Twilio reports delivery (the public /webhooks/twilio URL), if the functions are public."""
    clock: Callable[[], datetime] = field(default=utc_now)


class _Where(BaseModel):
    """conversation_destination's answer; the store's number may be missing (then nothing can be sent)."""

    status: ConversationStatus
    destination: dict[str, Any]


def reply_as_agent(
    deps: AgentReplyDeps,
    *,
    store_id: uuid.UUID,
    conversation_id: uuid.UUID,
    agent_id: uuid.UUID,
    content: TextReply | TemplateReply,
) -> MessagePublic:
    """Store and send the reply; the stored message with the send's outcome (sandbox without a Twilio
    account). Raises ConversationNotFound, CannotReply, OutsideServiceWindow and TemplateError before
    anything is stored. When Twilio cannot take it now the message is returned queued with
    metadata.delayed and the stale-sends job sends it later."""
    destination = _destination(deps.supabase, store_id, conversation_id)
    body, template = _body(deps.supabase, store_id, content)
    require_open_window(destination.last_inbound_at, deps.clock(), is_template=template is not None)
    params = {
        "p_store_id": str(store_id),
        "p_conversation_id": str(conversation_id),
        "p_actor_id": str(agent_id),
        "p_body": body,
        "p_template": template,
    }
    stored = MessagePublic.model_validate(deps.supabase.rpc("record_agent_message", params).execute().data)
    result = _send(deps, destination, stored, content)
    if result.delayed:  # Twilio could not take it now: the stale-sends job sends it (in order)
        metadata = stored.metadata | {"delayed": result.error or "waiting behind an earlier message"}
    else:
        metadata = stored.metadata | ({"error": result.error} if result.error else {})
    return stored.model_copy(
        update={
            "status": result.status,
            "provider_message_id": result.provider_message_id,
            "metadata": metadata,
        }
    )


def _destination(supabase: Client, store_id: uuid.UUID, conversation_id: uuid.UUID) -> Destination:
    params = {"p_store_id": str(store_id), "p_conversation_id": str(conversation_id)}
    data = supabase.rpc("conversation_destination", params).execute().data
    if not data:
        raise ConversationNotFound(f"this store has no conversation {conversation_id}")
    where = _Where.model_validate(data)
    if where.status == "resolved":
        raise CannotReply("the conversation is resolved")
    if not where.destination.get("from_phone"):
        raise CannotReply("the store has no WhatsApp number to send from")
    return Destination.model_validate(where.destination)


def _body(
    supabase: Client, store_id: uuid.UUID, content: TextReply | TemplateReply
) -> tuple[str, dict[str, Any] | None]:
    """The text the thread shows, and for a template what was sent in its place."""
    if isinstance(content, TextReply):
        return content.body, None
    template = approved_template(supabase, store_id, content.content_sid)
    body = render(template.body, content.variables)
    return body, {"content_sid": template.content_sid, "name": template.name, "variables": content.variables}


def _send(
    deps: AgentReplyDeps, destination: Destination, message: MessagePublic, content: TextReply | TemplateReply
) -> SendResult:
    stored = StoredMessage(id=str(message.id), body=message.body, status=message.status)
    template = None if isinstance(content, TextReply) else Template(**content.model_dump())
    return send_stored_message(
        deps.supabase,
        deps.sender,
        destination,
        stored,
        now=deps.clock(),
        template=template,
        status_callback=deps.status_callback,
    )
