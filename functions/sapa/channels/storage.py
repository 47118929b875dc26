"""Storing what any provider's webhook reports, the same way for all: an inbound message through
ingest_whatsapp_message (idempotent on the provider's message id), what it was besides text through
record_inbound_details, a status through record_channel_status (forward only; the provider's error
code and title on a failure)."""

from __future__ import annotations

from pydantic import TypeAdapter
from supabase import Client

from sapa.channels.base import ChannelMessage, ChannelStatus
from sapa.channels.twilio.storage import IngestedMessage

_ingested = TypeAdapter(list[IngestedMessage])


def ingest_message(supabase: Client, store_number: str, message: ChannelMessage) -> IngestedMessage:
    params = {
        "p_to_phone": store_number,
        "p_from_phone": message.from_phone,
        "p_profile_name": message.profile_name,
        "p_message_sid": message.provider_message_id,
        "p_body": message.body,
        "p_media": message.media,
    }
    if message.received_at is not None:
        params["p_received_at"] = message.received_at.isoformat()
    (ingested,) = _ingested.validate_python(supabase.rpc("ingest_whatsapp_message", params).execute().data)
    if message.details:  # also on a redelivery: the first may have stopped between the two calls
        details = {
            "p_store_id": ingested.store_id,
            "p_provider_message_id": message.provider_message_id,
            "p_details": message.details,
        }
        supabase.rpc("record_inbound_details", details).execute()
    return ingested


def record_status(supabase: Client, store_id: str, status: ChannelStatus) -> str | None:
    """The message's status afterwards; None when the store sent no message with this id."""
    params = {
        "p_store_id": store_id,
        "p_provider_message_id": status.provider_message_id,
        "p_status": status.status,
        "p_error_code": status.error_code,
        "p_error_title": status.error_title,
    }
    result = supabase.rpc("record_channel_status", params).execute().data
    return result if isinstance(result, str) else None
