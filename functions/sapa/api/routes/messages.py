"""An agent's reply in a conversation, sent to the customer on WhatsApp.

POST /api/stores/{store_id}/conversations/{conversation_id}/messages → 201 the stored message
  free text:  {"body": "..."}                                   (1-1600 characters)
  template:   {"content_sid": "HX...", "variables": {"1": "..."}} (an approved template of the store)

Free text goes only within 24 hours of the customer's last message (422 otherwise, nothing stored); a
template goes any time, and the thread shows its rendered text. Replying takes the conversation over
(status human, assigned to the caller) when the bot has it or nobody does. The message is stored
queued, then sent: its status in the answer is Twilio's (queued/sent), sandbox for a store without a
Twilio account, or failed (Twilio refused it for good; metadata.error says why). When Twilio cannot
take it now (5xx, 429, timeout) it stays queued with metadata.delayed and the stale-sends job sends it,
in order, for up to 24 hours. 404: no such conversation; 409: resolved; 422: window closed, unknown
template or variables missing."""

from __future__ import annotations

import uuid
from typing import Self

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sapa.api.deps import ReplyQueueDep, SenderDep, SettingsDep, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.api.routes._follow_up import summarize_if_due
from sapa.channels.twilio.sender import MAX_BODY
from sapa.conversations.agent_reply import (
    AgentReplyDeps,
    CannotReply,
    ConversationNotFound,
    TemplateReply,
    TextReply,
    reply_as_agent,
)
from sapa.conversations.records import MessagePublic
from sapa.conversations.templates import TemplateError
from sapa.conversations.window import OutsideServiceWindow
from sapa.settings import Settings

router = APIRouter(prefix="/api/stores/{store_id}/conversations", tags=["inbox"], responses=AUTH_RESPONSES)


class AgentMessageCreate(BaseModel):
    """Free text (`body`) or an approved template (`content_sid` and its `variables`)."""

    model_config = ConfigDict(extra="forbid")

    body: str | None = Field(default=None, max_length=MAX_BODY)
    content_sid: str | None = Field(default=None, pattern=r"^(HX[0-9a-fA-F]{32}|[0-9]{1,30})$")
    variables: dict[str, str] = Field(default_factory=dict)
    """Template placeholders by number: {"1": "Budi", "2": "1042"} fills {{1}} and {{2}}."""

    @model_validator(mode="after")
    def _text_or_template(self) -> Self:
        if (self.body is None) == (self.content_sid is None):
            raise ValueError("send either a body (free text) or a content_sid (an approved template)")
        if self.body is not None and not self.body.strip():
            raise ValueError("the message is empty")
        if self.variables and self.content_sid is None:
            raise ValueError("variables fill a template: they need a content_sid")
        return self

    def content(self) -> TextReply | TemplateReply:
        if self.content_sid is not None:
            return TemplateReply(content_sid=self.content_sid, variables=self.variables)
        return TextReply(body=self.body or "")


@router.post(
    "/{conversation_id}/messages",
    response_model=MessagePublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "The store has no such conversation"},
        409: {"description": "The conversation is resolved, or the store has no WhatsApp number"},
        422: {"description": "Free text outside the 24-hour window; unknown template; missing variables"},
    },
)
def send_message(
    conversation_id: uuid.UUID,
    message: AgentMessageCreate,
    member: StoreMember,
    supabase: SupabaseDep,
    sender: SenderDep,
    queue: ReplyQueueDep,
    settings: SettingsDep,
) -> MessagePublic:
    deps = AgentReplyDeps(supabase, sender, status_callback=status_callback_url(settings))
    try:
        with refusals_as_http_errors():
            sent = reply_as_agent(
                deps,
                store_id=member.store_id,
                conversation_id=conversation_id,
                agent_id=member.user_id,
                content=message.content(),
            )
    except ConversationNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except CannotReply as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    except (OutsideServiceWindow, TemplateError) as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    summarize_if_due(supabase, queue, conversation_id)
    return sent


def status_callback_url(settings: Settings) -> str | None:
    """Where Twilio reports the message's delivery: the public webhook, when the functions are public."""
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio" if settings.public_base_url else None
