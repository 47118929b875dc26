"""Hands stored outbound messages to the provider and records the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from supabase import Client

from sapa.channels.twilio.sender import SendResult
from sapa.conversations.window import require_open_window
from sapa.db import one_row, rows


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


@dataclass(frozen=True)
class Destination:
    """Where a conversation's messages go, and with which sender credentials."""

    from_phone: str
    to_phone: str
    account_sid: str | None
    auth_token: str | None
    last_inbound_at: datetime | None


def destination_of(supabase: Client, conversation_id: str) -> Destination:
    conversation = one_row(
        supabase.table("conversations")
        .select("store_id, last_inbound_at, customers(phone), stores(whatsapp_number)")
        .eq("id", conversation_id)
        .single()
        .execute()
        .data
    )
    credentials = rows(
        supabase.table("store_credentials")
        .select("twilio_account_sid, twilio_auth_token")
        .eq("store_id", conversation["store_id"])
        .limit(1)
        .execute()
        .data
    )
    secret = credentials[0] if credentials else {}
    last_inbound = conversation["last_inbound_at"]
    return Destination(
        from_phone=conversation["stores"]["whatsapp_number"],
        to_phone=conversation["customers"]["phone"],
        account_sid=secret.get("twilio_account_sid"),
        auth_token=secret.get("twilio_auth_token"),
        last_inbound_at=datetime.fromisoformat(last_inbound) if last_inbound else None,
    )


def send_stored_message(
    supabase: Client,
    sender: MessageSender,
    destination: Destination,
    message: dict[str, Any],
    *,
    now: datetime,
    status_callback: str | None = None,
    latency_ms: int | None = None,
) -> SendResult:
    """Send one stored outbound message (status queued) and record the provider's answer on it."""
    require_open_window(destination.last_inbound_at, now, is_template=False)
    result = sender.send(
        account_sid=destination.account_sid,
        auth_token=destination.auth_token,
        from_phone=destination.from_phone,
        to_phone=destination.to_phone,
        body=message["body"],
        status_callback=status_callback,
    )
    supabase.rpc(
        "record_send_result",
        {
            "p_message_id": message["id"],
            "p_status": result.status,
            "p_provider_message_id": result.provider_message_id,
            "p_error": result.error,
            "p_latency_ms": latency_ms,
        },
    ).execute()
    return result
