"""The database side of the Twilio webhook, through the service-role client: which store a number
belongs to (and its auth token), storing an inbound message, recording a status callback. The SQL that
does the work lives in the migrations (ingest_whatsapp_message, record_message_status)."""

from __future__ import annotations

import time

from pydantic import BaseModel, TypeAdapter
from supabase import Client

from sapa.channels.twilio.inbound import InboundMessage, StatusCallback


class StoreCredentials(BaseModel):
    twilio_auth_token: str | None = None


class WebhookStore(BaseModel):
    """The store that owns a WhatsApp number, with the token its webhooks are signed with (if it has one)."""

    id: str
    store_credentials: StoreCredentials | None = None

    @property
    def auth_token(self) -> str | None:
        return self.store_credentials.twilio_auth_token if self.store_credentials else None


class IngestedMessage(BaseModel):
    store_id: str
    customer_id: str
    conversation_id: str
    message_id: str
    created: bool
    """False when this MessageSid was already stored (Twilio redelivered it)."""


STORE_CACHE_SECONDS = 30.0
"""How long a process reuses a number's store and token: every webhook needs them before anything else.
A token rotated meanwhile is picked up at once (a signature that fails is checked again with fresh
credentials); the replaced token keeps verifying for at most this long."""
_store_cache: dict[str, tuple[float, WebhookStore]] = {}

_stores = TypeAdapter(list[WebhookStore])
_ingested = TypeAdapter(list[IngestedMessage])
_status = TypeAdapter(str | None)


def find_store(supabase: Client, whatsapp_number: str, *, fresh: bool = False) -> WebhookStore | None:
    """The store with this WhatsApp number, from this process's cache unless `fresh`."""
    cached = _store_cache.get(whatsapp_number)
    if cached and not fresh and time.monotonic() - cached[0] < STORE_CACHE_SECONDS:
        return cached[1]
    store = _fetch_store(supabase, whatsapp_number)
    if store is None:
        _store_cache.pop(whatsapp_number, None)
    else:
        _store_cache[whatsapp_number] = (time.monotonic(), store)
    return store


def _fetch_store(supabase: Client, whatsapp_number: str) -> WebhookStore | None:
    rows = (
        supabase.table("stores")
        .select("id, store_credentials(twilio_auth_token)")
        .eq("whatsapp_number", whatsapp_number)
        .limit(1)
        .execute()
        .data
    )
    stores = _stores.validate_python(rows)
    return stores[0] if stores else None


def ingest_message(supabase: Client, message: InboundMessage) -> IngestedMessage:
    params = {
        "p_to_phone": message.to_phone,
        "p_from_phone": message.from_phone,
        "p_profile_name": message.profile_name,
        "p_message_sid": message.message_sid,
        "p_body": message.body,
        "p_media": [media.model_dump() for media in message.media],
    }
    rows = supabase.rpc("ingest_whatsapp_message", params).execute().data
    (ingested,) = _ingested.validate_python(rows)
    return ingested


def record_status(supabase: Client, store_id: str, callback: StatusCallback) -> str | None:
    """The message's status afterwards; None when the store sent no message with this MessageSid."""
    params = {
        "p_store_id": store_id,
        "p_message_sid": callback.message_sid,
        "p_status": callback.status,
        "p_error_code": callback.error_code,
    }
    return _status.validate_python(supabase.rpc("record_message_status", params).execute().data)
