"""The bot's reply to one inbound message: claim → (skip | answer) → store → send → finish.

Idempotent end to end: `claim_reply` lets one worker at a time work on a message and none after it is
done; `record_bot_reply` stores the parts once, so a retry after a crash sends the stored parts that
have not gone out instead of asking the assistant again. The database round trips are few on purpose:
one claim, one context (`reply_context`), one store, one result per part, one finish."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.assistant.language import conversation_language
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantReply, AssistantRequest, Turn
from sapa.channels.router import read_inbound_media
from sapa.channels.twilio.media import MediaDeps, MediaItem, TwilioCredentials
from sapa.classify.client import Classifier
from sapa.conversations.attachments import media_notice, needs_person, with_attachments
from sapa.conversations.outbound import Destination, MessageSender, StoredMessage, send_stored_message
from sapa.db import rows
from sapa.settings import Settings

Outcome = Literal["done", "skipped"]
AnswerFunction = Callable[[AssistantRequest, ShopData, Settings], AssistantReply]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReplyDeps:
    supabase: Client
    settings: Settings
    sender: MessageSender
    answer: AnswerFunction
    classifier: Classifier | None = None
    media: MediaDeps | None = None
    """Reads the media customers send (download, store, extract); None: media stays as Twilio described it."""
    clock: Callable[[], datetime] = field(default=utc_now)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class InboundMessage(_Frozen):
    id: str
    store_id: str
    conversation_id: str
    body: str
    media: list[MediaItem] = []
    created_at: datetime


class Customer(_Frozen):
    phone: str
    name: str | None


class HistoryMessage(_Frozen):
    role: Literal["customer", "bot", "agent"]
    text: str
    media: list[MediaItem] = []

    def turn(self) -> Turn:
        return Turn(role=self.role, text=with_attachments(self.text, self.media))


class ReplyContext(_Frozen):
    """What `reply_context` returns for an inbound message."""

    message: InboundMessage
    conversation_status: Literal["bot", "human", "resolved"]
    customer: Customer
    has_newer_inbound: bool
    stored_parts: list[StoredMessage]
    history: list[HistoryMessage]
    destination: Destination


def reply_to_message(deps: ReplyDeps, message_id: str) -> Outcome | None:
    """Reply to an inbound message unless someone already has; None when there was nothing to claim."""
    claimed = deps.supabase.rpc("claim_reply", {"p_message_id": message_id}).execute().data
    if not claimed:
        return None
    try:
        outcome = _reply(deps, message_id)
    except Exception as error:
        _finish(deps, message_id, "failed", f"{type(error).__name__}: {error}")
        raise
    _finish(deps, message_id, outcome)
    return outcome


def _finish(deps: ReplyDeps, message_id: str, status: str, error: str | None = None) -> None:
    params = {"p_message_id": message_id, "p_status": status, "p_error": error}
    deps.supabase.rpc("finish_reply", params).execute()


def _reply(deps: ReplyDeps, message_id: str) -> Outcome:
    data = deps.supabase.rpc("reply_context", {"p_message_id": message_id}).execute().data
    context = ReplyContext.model_validate(data)
    if deps.media is not None and context.message.media:
        context = _read_media(deps.media, context, deps.settings)
    confidence = _label(deps.supabase, deps.classifier, context.message) if deps.classifier else None
    # Parts stored before anyone asked the assistant (a retry after a crash, or the confirmation of a
    # STOP/START the database stored with the message) go out whoever has the conversation now.
    if not context.stored_parts and (context.conversation_status != "bot" or context.has_newer_inbound):
        return "skipped"  # a person has it, or the newer message's reply will answer both
    parts = context.stored_parts or _answer_and_store(deps, context, confidence)
    for part in parts:
        if part.status != "queued":
            continue  # sent before a crash: never twice
        now = deps.clock()
        send_stored_message(
            deps.supabase,
            deps.sender,
            context.destination,
            part,
            now=now,
            status_callback=_status_callback_url(deps.settings),
            latency_ms=int((now - context.message.created_at).total_seconds() * 1000),
        )
    return "done"


def _read_media(media: MediaDeps, context: ReplyContext, settings: Settings) -> ReplyContext:
    """The message's media downloaded, stored and read (before anyone answers), also when a person has
    the conversation: the agent sees the text under the attachment."""
    message = context.message
    items = read_inbound_media(
        media,
        settings,
        store_id=message.store_id,
        message_id=message.id,
        items=message.media,
        credentials=TwilioCredentials(context.destination.account_sid, context.destination.auth_token),
    )
    return context.model_copy(update={"message": message.model_copy(update={"media": items})})


def _label(supabase: Client, classifier: Classifier, message: InboundMessage) -> float:
    """Category, urgency, confidence and the unsure state on the inbound message, before anything reads
    them (a handoff ticket takes its priority from the urgency); written only if the message has none
    yet. A photo or file without a caption is labelled by the text read from it."""
    text = message.body if message.body.strip() else with_attachments("", message.media)
    (label,) = classifier.classify([text])
    params = {
        "p_message_id": message.id,
        "p_category": label.category,
        "p_urgency": label.urgency,
        "p_confidence": label.confidence,
        "p_unsure": label.unsure,
    }
    supabase.rpc("record_message_labels", params).execute()
    return label.confidence


def _answer_and_store(
    deps: ReplyDeps, context: ReplyContext, confidence: float | None
) -> list[StoredMessage]:
    message = context.message
    request = AssistantRequest(
        store_id=message.store_id,
        customer_phone=context.customer.phone,
        customer_name=context.customer.name,
        conversation_id=message.conversation_id,
        history=[turn.turn() for turn in context.history],
        text=with_attachments(message.body, message.media),
        received_at=message.created_at,
        label_confidence=confidence,
    )
    if needs_person(message.media):
        earlier = [turn.text for turn in context.history if turn.role == "customer"]
        reply = media_notice(message.media, conversation_language(message.body, earlier))
    else:
        shop = ShopData(deps.supabase, message.store_id, context.customer.phone)
        reply = deps.answer(request, shop, deps.settings)
    metadata = {
        "responder": reply.responder,
        "language": reply.language,
        "tool_calls": reply.tool_calls,
        "sources": reply.sources,
        "fallback_reason": reply.fallback_reason,
        "guard": reply.guard,
    }
    if reply.guard is None:
        del metadata["guard"]  # no LLM answer was checked: nothing for the guard's counts
    params = {
        "p_message_id": message.id,
        "p_parts": reply.parts,
        "p_metadata": metadata,
        "p_handoff": reply.handoff,
        "p_handoff_reason": reply.handoff_reason,
    }
    stored = rows(deps.supabase.rpc("record_bot_reply", params).execute().data)
    return [StoredMessage.model_validate(row) for row in stored]


def _status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio" if settings.public_base_url else None
