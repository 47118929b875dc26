"""Hands stored outbound messages to the provider and records the outcome."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict
from supabase import Client

from sapa.channels.twilio.sender import SendResult, TwilioUnavailable
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
    provider's answer on it. When Twilio cannot take it now (5xx, 429, a timeout), or an earlier message
    of the conversation is waiting for that reason, the message waits for the stale-sends job (which
    sends it in order, with backoff, for up to 24 hours): the result is then `delayed`, status queued.
    A refusal for good (invalid number, window closed) is recorded on the message as failed at once."""
    require_open_window(destination.last_inbound_at, now, is_template=template is not None)
    # Sandbox stores send nothing: nothing can wait. Otherwise one round trip keeps the order.
    if (
        destination.account_sid is not None
        and supabase.rpc("hold_send", {"p_message_id": message.id}).execute().data
    ):
        return SendResult("queued", delayed=True)
    try:
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
    except TwilioUnavailable as error:
        delay_send(supabase, message.id, error)
        return SendResult("queued", error=str(error), delayed=True)
    record_send_result(supabase, message.id, result, latency_ms=latency_ms)
    return result


def delay_send(
    supabase: Client, message_id: str, error: TwilioUnavailable, *, give_up_after: timedelta | None = None
) -> str:
    """Leave the message to the stale-sends job (next try after a backoff); 'retrying', or 'failed' once
    it has been failing for `give_up_after` (default 24 hours)."""
    params: dict[str, object] = {
        "p_message_id": message_id,
        "p_error": str(error),
        "p_ambiguous": error.ambiguous,
    }
    if give_up_after is not None:
        params["p_give_up_after"] = f"{give_up_after.total_seconds()} seconds"
    return str(supabase.rpc("delay_send", params).execute().data)


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
