"""The store settings page (owners): the store's name, time zone and currency, its WhatsApp sender and
whether it sends for real, the WooCommerce connection (last sync, webhooks' health) and the WhatsApp
templates, as one read; changes through SQL (migration 251: update_store_settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator
from supabase import Client

from sapa.db import rows
from sapa.stores import storage
from sapa.stores.models import SyncStatus, WebhookHealth

WhatsAppState = Literal["not_set", "sandbox", "live"]
"""not_set: no sender number; sandbox: a number but no Twilio account (replies are stored, not sent; the
local simulator shows them); live: sent through the store's Twilio account, or through Meta's Cloud API
(whatsapp_provider meta: configured with its ids and secrets)."""


class TemplateRow(BaseModel):
    id: str
    name: str
    language: str
    body: str
    content_sid: str
    status: str
    category: str | None = None
    rejection_reason: str | None = None
    source: Literal["manual", "twilio"]
    synced_at: datetime | None = None


class WooCommerceConnection(BaseModel):
    site_url: str | None
    connected: bool
    connected_at: datetime | None
    sync: SyncStatus
    webhooks: list[WebhookHealth]
    webhooks_checked_at: datetime | None
    disabled_webhooks: int
    """Webhooks WooCommerce disabled (or that went missing) at the last check: re-enable them."""


class StoreSettingsPublic(BaseModel):
    store_id: str
    name: str
    timezone: str
    currency: str
    retention_months: int
    """How many months the store keeps its customers' chats (the retention job deletes what is older)."""
    whatsapp_number: str | None
    whatsapp_mode: Literal["provision", "own"] | None
    whatsapp_state: WhatsAppState
    whatsapp_provider: Literal["twilio", "meta"]
    woocommerce: WooCommerceConnection
    templates: list[TemplateRow]


class StoreSettingsChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = None
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. IDR, EUR")
    retention_months: int | None = Field(None, ge=1, le=120, description="months the chats are kept")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a store needs a name")
        return value.strip() if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Jakarta)")
        return value


class TwilioAccount(BaseModel):
    account_sid: str
    auth_token: str


def store_settings(supabase: Client, store_id: str) -> StoreSettingsPublic:
    public = storage.store_public(supabase, store_id)
    (store,) = rows(
        supabase.table("stores")
        .select(
            "timezone, currency, retention_months, whatsapp_provider, woocommerce_connected_at,"
            " store_api_keys(revoked_at)"
        )
        .eq("id", store_id)
        .execute()
        .data
    )
    account = twilio_account(supabase, store_id)
    provider = store["whatsapp_provider"]
    state: WhatsAppState = (
        "not_set" if not public.whatsapp_number else "live" if account or provider == "meta" else "sandbox"
    )
    return StoreSettingsPublic(
        store_id=store_id,
        name=public.name,
        timezone=store["timezone"],
        currency=store["currency"],
        retention_months=store["retention_months"],
        whatsapp_number=public.whatsapp_number,
        whatsapp_mode=public.whatsapp_mode,
        whatsapp_state=state,
        whatsapp_provider=provider,
        woocommerce=WooCommerceConnection(
            site_url=public.site_url,
            connected=any(key["revoked_at"] is None for key in store["store_api_keys"]),
            connected_at=store["woocommerce_connected_at"],
            sync=public.sync,
            webhooks=public.webhooks,
            webhooks_checked_at=public.webhooks_checked_at,
            disabled_webhooks=sum(w.status in ("disabled", "missing") for w in public.webhooks),
        ),
        templates=templates(supabase, store_id),
    )


def templates(supabase: Client, store_id: str) -> list[TemplateRow]:
    found = rows(
        supabase.table("whatsapp_templates")
        .select(
            "id, name, language, body, content_sid, status, category, rejection_reason, source, synced_at"
        )
        .eq("store_id", store_id)
        .order("name")
        .order("language")
        .execute()
        .data
    )
    return [TemplateRow.model_validate(row) for row in found]


def twilio_account(supabase: Client, store_id: str) -> TwilioAccount | None:
    """The store's own Twilio account, if it has one (sandbox stores have none)."""
    found = rows(
        supabase.table("store_credentials")
        .select("twilio_account_sid, twilio_auth_token")
        .eq("store_id", store_id)
        .execute()
        .data
    )
    if not found or not found[0]["twilio_account_sid"] or not found[0]["twilio_auth_token"]:
        return None
    return TwilioAccount(account_sid=found[0]["twilio_account_sid"], auth_token=found[0]["twilio_auth_token"])


def change(supabase: Client, store_id: str, actor_id: str, changes: StoreSettingsChange) -> None:
    values: dict[str, Any] = changes.model_dump(exclude_none=True)
    params = {"p_store_id": store_id, "p_actor_id": actor_id, "p_changes": values}
    supabase.rpc("update_store_settings", params).execute()
