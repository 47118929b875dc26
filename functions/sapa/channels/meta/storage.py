"""The database side of a Meta store, through the service-role client: which store a phone number id or
WhatsApp number belongs to (with its decrypted Cloud API credentials), its synced templates, and the
template sync. The SQL lives in the migrations (configure_whatsapp_sender, sync_meta_templates)."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, TypeAdapter
from supabase import Client

from sapa.channels.base import ChannelTemplate
from sapa.channels.meta.graph import MetaCredentials
from sapa.stores.crypto import CredentialsCipher

_COLUMNS = (
    "id, whatsapp_number, whatsapp_provider, meta_phone_number_id, meta_waba_id,"
    " store_credentials(meta_access_token_encrypted, meta_app_secret_encrypted)"
)
STORE_CACHE_SECONDS = 30.0
"""How long a process reuses a store's provider and credentials (every send and webhook needs them); a
webhook whose signature fails is checked again with fresh credentials, as for Twilio."""


class _Secrets(BaseModel):
    meta_access_token_encrypted: str | None = None
    meta_app_secret_encrypted: str | None = None


class _Row(BaseModel):
    id: str
    whatsapp_number: str | None
    whatsapp_provider: str
    meta_phone_number_id: str | None
    meta_waba_id: str | None
    store_credentials: _Secrets | None = None


class ChannelStore(BaseModel):
    """A store as its WhatsApp channel sees it: the provider, and Meta's ids and secrets (decrypted)."""

    id: str
    whatsapp_number: str | None
    provider: str
    meta: MetaCredentials | None = None
    app_secret: str | None = None


_rows = TypeAdapter(list[_Row])
_cache: dict[tuple[str, str], tuple[float, ChannelStore | None]] = {}


def find_store(
    supabase: Client, cipher: CredentialsCipher | None, column: str, value: str, *, fresh: bool = False
) -> ChannelStore | None:
    """The store whose `column` (id, meta_phone_number_id or whatsapp_number) is `value`, cached briefly."""
    if column not in {"id", "meta_phone_number_id", "whatsapp_number"}:
        raise ValueError(f"stores are not found by {column}")
    cached = _cache.get((column, value))
    if cached and not fresh and time.monotonic() - cached[0] < STORE_CACHE_SECONDS:
        return cached[1]
    found = _rows.validate_python(
        supabase.table("stores").select(_COLUMNS).eq(column, value).limit(1).execute().data
    )
    store = _channel_store(found[0], cipher) if found else None
    _cache[(column, value)] = (time.monotonic(), store)
    return store


def _channel_store(row: _Row, cipher: CredentialsCipher | None) -> ChannelStore:
    secrets = row.store_credentials or _Secrets()
    store = ChannelStore(id=row.id, whatsapp_number=row.whatsapp_number, provider=row.whatsapp_provider)
    token, secret = secrets.meta_access_token_encrypted, secrets.meta_app_secret_encrypted
    if row.whatsapp_provider != "meta" or cipher is None or not (token and secret):
        return store
    if row.meta_phone_number_id is None or row.meta_waba_id is None:
        return store
    credentials = MetaCredentials(row.meta_phone_number_id, row.meta_waba_id, cipher.decrypt(token))
    return store.model_copy(update={"meta": credentials, "app_secret": cipher.decrypt(secret)})


def find_template(supabase: Client, store_id: str, template_id: str) -> ChannelTemplate | None:
    found = (
        supabase.table("whatsapp_templates")
        .select("content_sid, name, language, status, body, category, components")
        .eq("store_id", store_id)
        .eq("provider", "meta")
        .eq("content_sid", template_id)
        .eq("status", "approved")
        .limit(1)
        .execute()
        .data
    )
    if not found or not isinstance(found[0], dict):
        return None
    row: dict[str, Any] = found[0]
    return ChannelTemplate(
        provider_template_id=str(row["content_sid"]),
        name=str(row["name"]),
        language=str(row["language"]),
        status=str(row["status"]),
        body=str(row["body"]),
        category=row.get("category"),
        components=list(row.get("components") or []),
    )


def sync_templates(supabase: Client, store_id: str, templates: list[ChannelTemplate]) -> int:
    """Store every listed template (ones without a body text are skipped: nothing to show or fill)."""
    rows = [
        {
            "id": t.provider_template_id,
            "name": t.name,
            "language": t.language,
            "status": t.status,
            "category": t.category,
            "body": t.body,
            "components": t.components,
        }
        for t in templates
        if t.body.strip()
    ]
    params = {"p_store_id": store_id, "p_templates": rows}
    synced = supabase.rpc("sync_meta_templates", params).execute().data
    return synced if isinstance(synced, int) else 0


def forget_cached_stores() -> None:
    """After a store's sender changed in this process."""
    _cache.clear()
