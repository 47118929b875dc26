"""Hands stored outbound messages to the provider and records the outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.channels.twilio.sender import SendResult
from sapa.conversations.window import require_open_window


class MessageSender(Protocol):
    def send(
        self,
        *,
        account_sid: str | None,
        auth_token: str | None,
        from_phone: str,
        to_phone: str,
        body: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
        status_callback: str | None = None,
    ) -> SendResult: ...


class Destination(BaseModel):
    """Where a conversation's messages go, and with which sender credentials."""

    model_config = ConfigDict(frozen=True)

    from_phone: str
    to_phone: str
    account_sid: str | None
    auth_token: str | None
    last_inbound_at: datetime | None


class StoredMessage(BaseModel):
    """An outbound message as stored before sending."""

    model_config = ConfigDict(frozen=True)

    id: str
    body: str
    status: str


class Template(BaseModel):
    """An approved WhatsApp template (Twilio ContentSid) sent in place of a stored message's text."""

    model_config = ConfigDict(frozen=True)

    content_sid: str
    variables: dict[str, str]


def send_stored_message(
    supabase: Client,
    sender: MessageSender,
    destination: Destination,
    message: StoredMessage,
    *,
    now: datetime,
    template: Template | None = None,
    status_callback: str | None = None,
    latency_ms: int | None = None,
) -> SendResult:
    """Send one stored outbound message (status queued), as its text or as a template, and record the
    provider's answer on it. Twilio being unreachable propagates (the caller decides about retrying)."""
    require_open_window(destination.last_inbound_at, now, is_template=template is not None)
    result = sender.send(
        account_sid=destination.account_sid,
        auth_token=destination.auth_token,
        from_phone=destination.from_phone,
        to_phone=destination.to_phone,
        body=None if template else message.body,
        content_sid=template.content_sid if template else None,
        content_variables=template.variables if template else None,
        status_callback=status_callback,
    )
    record_send_result(supabase, message.id, result, latency_ms=latency_ms)
    return result


def record_send_result(
    supabase: Client, message_id: str, result: SendResult, *, latency_ms: int | None = None
) -> None:
    params = {
        "p_message_id": message_id,
        "p_status": result.status,
        "p_provider_message_id": result.provider_message_id,
        "p_error": result.error,
        "p_latency_ms": latency_ms,
    }
    supabase.rpc("record_send_result", params).execute()
