"""The database side of the store API, through the service-role client (SQL in migration
20261123000013_woocommerce.sql: connect_woocommerce_store, disconnect_woocommerce_store,
set_store_whatsapp, start_woocommerce_sync)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter
from supabase import Client

from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS
from sapa.db import rows
from sapa.stores.models import StorePublic, SyncResource, SyncStatus, WebhookHealth

RESOURCES = ("orders", "customers", "products")


class SiteStore(BaseModel):
    id: str
    connected: bool
    whatsapp_number: str | None = None


class ShopCredentials(BaseModel):
    """What Sapa keeps to call a connected shop's REST API (the keys still encrypted)."""

    store_id: str
    site_url: str | None
    default_country: str
    consumer_key_encrypted: str | None
    consumer_secret_encrypted: str | None
    webhook_ids: list[int]
    webhook_secret: str | None
    twilio_account_sid: str | None


class _Started(BaseModel):
    status: str
    enqueue: bool


class _Connected(BaseModel):
    store_id: str
    owner_id: str | None


def store_for_site(supabase: Client, site_url: str) -> SiteStore | None:
    """The store of this site (the connected one first), if Sapa has one."""
    found = rows(
        supabase.table("stores")
        .select("id, whatsapp_number, store_api_keys(revoked_at)")
        .ilike("site_url", _escape_like(site_url))
        .execute()
        .data
    )
    stores = [
        SiteStore(
            id=row["id"],
            connected=any(k["revoked_at"] is None for k in row["store_api_keys"]),
            whatsapp_number=row["whatsapp_number"],
        )
        for row in found
    ]
    stores.sort(key=lambda store: not store.connected)
    return stores[0] if stores else None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def connect(supabase: Client, params: dict[str, Any]) -> str:
    (connected,) = TypeAdapter(list[_Connected]).validate_python(
        supabase.rpc("connect_woocommerce_store", params).execute().data
    )
    return connected.store_id


def reconnect(supabase: Client, params: dict[str, Any]) -> None:
    supabase.rpc("reconnect_woocommerce_store", params).execute()


class ApiKey(BaseModel):
    store_id: str
    revoked_at: datetime | None


def api_key(supabase: Client, api_key_hash: str) -> ApiKey | None:
    """The store API key with this hash, live or revoked."""
    found = rows(
        supabase.table("store_api_keys")
        .select("store_id, revoked_at")
        .eq("key_hash", api_key_hash)
        .limit(1)
        .execute()
        .data
    )
    return ApiKey.model_validate(found[0]) if found else None


def store_public(supabase: Client, store_id: str) -> StorePublic:
    (store,) = rows(
        supabase.table("stores")
        .select(
            "id, name, site_url, whatsapp_number, whatsapp_mode,"
            " woocommerce_webhooks(webhook_id, topic, status, failures, checked_at)"
        )
        .eq("id", store_id)
        .execute()
        .data
    )
    webhooks = [
        WebhookHealth.model_validate(row)
        for row in sorted(store["woocommerce_webhooks"], key=lambda row: _topic_order(row["topic"]))
    ]
    return StorePublic(
        store_id=store["id"],
        name=store["name"],
        site_url=store["site_url"],
        whatsapp_number=store["whatsapp_number"],
        whatsapp_mode=store["whatsapp_mode"],
        sync=sync_status(supabase, store_id),
        webhooks=webhooks,
        webhooks_checked_at=max((w.checked_at for w in webhooks), default=None),
    )


def _topic_order(topic: str) -> int:
    return WEBHOOK_TOPICS.index(topic) if topic in WEBHOOK_TOPICS else len(WEBHOOK_TOPICS)


def sync_status(supabase: Client, store_id: str) -> SyncStatus:
    found = rows(
        supabase.table("woocommerce_syncs")
        .select("status, error, updated_at, woocommerce_sync_resources(resource, items_done, items_total)")
        .eq("store_id", store_id)
        .execute()
        .data
    )
    if not found:
        empty = {name: SyncResource(done=0, total=None) for name in RESOURCES}
        return SyncStatus(status="pending", error=None, resources=empty, updated_at=None)
    sync = found[0]
    progress = {r["resource"]: r for r in sync["woocommerce_sync_resources"]}
    resources = {
        name: SyncResource(
            done=progress.get(name, {}).get("items_done", 0), total=progress.get(name, {}).get("items_total")
        )
        for name in RESOURCES
    }
    return SyncStatus(
        status=sync["status"],
        error=sync["error"],
        resources=resources,
        updated_at=datetime.fromisoformat(sync["updated_at"]),
    )


def start_sync(supabase: Client, store_id: str, orders_after: datetime) -> bool:
    """Start or resume the backfill; True when a job should be queued for it."""
    params = {"p_store_id": store_id, "p_orders_after": orders_after.isoformat()}
    (started,) = TypeAdapter(list[_Started]).validate_python(
        supabase.rpc("start_woocommerce_sync", params).execute().data
    )
    return started.enqueue


def shop_credentials(supabase: Client, store_id: str) -> ShopCredentials | None:
    found = rows(
        supabase.table("stores")
        .select(
            "id, site_url, default_country, store_credentials(woocommerce_consumer_key_encrypted,"
            " woocommerce_consumer_secret_encrypted, woocommerce_webhook_ids, woocommerce_webhook_secret,"
            " twilio_account_sid)"
        )
        .eq("id", store_id)
        .execute()
        .data
    )
    if not found:
        return None
    store = found[0]
    secrets = store["store_credentials"] or {}
    return ShopCredentials(
        store_id=store["id"],
        site_url=store["site_url"],
        default_country=store["default_country"],
        consumer_key_encrypted=secrets.get("woocommerce_consumer_key_encrypted"),
        consumer_secret_encrypted=secrets.get("woocommerce_consumer_secret_encrypted"),
        webhook_ids=secrets.get("woocommerce_webhook_ids") or [],
        webhook_secret=secrets.get("woocommerce_webhook_secret"),
        twilio_account_sid=secrets.get("twilio_account_sid"),
    )


def disconnect(supabase: Client, store_id: str, details: dict[str, Any]) -> bool:
    params = {"p_store_id": store_id, "p_details": details}
    return bool(supabase.rpc("disconnect_woocommerce_store", params).execute().data)


def set_whatsapp(
    supabase: Client, store_id: str, *, mode: str, number: str, account_sid: str, auth_token: str
) -> None:
    params = {
        "p_store_id": store_id,
        "p_mode": mode,
        "p_number": number,
        "p_twilio_account_sid": account_sid,
        "p_twilio_auth_token": auth_token,
    }
    supabase.rpc("set_store_whatsapp", params).execute()
