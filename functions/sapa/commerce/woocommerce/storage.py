"""The database side of WooCommerce, through the service-role client: the store a webhook names (with its
secret and country), the delivery log, and the SQL functions that mirror orders, customers and products
(migration 20261123000013_woocommerce.sql)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel, TypeAdapter
from supabase import Client

from sapa.commerce.woocommerce.parse import Resource
from sapa.db import rows


class _Secrets(BaseModel):
    woocommerce_webhook_secret: str | None = None


class WebhookStore(BaseModel):
    """The store a webhook URL names, with its webhook secret (none when not connected)."""

    id: str
    default_country: str
    store_credentials: _Secrets | None = None

    @property
    def secret(self) -> str | None:
        return self.store_credentials.woocommerce_webhook_secret if self.store_credentials else None


class RecordedDelivery(BaseModel):
    delivery_id: int
    needs_processing: bool
    """False for a replay of a delivery that was processed already."""


STORE_CACHE_SECONDS = 30.0
"""How long a process reuses a store's secret; a signature that fails is checked again with fresh data."""
_store_cache: dict[str, tuple[float, WebhookStore | None]] = {}
_stores = TypeAdapter(list[WebhookStore])
_recorded = TypeAdapter(list[RecordedDelivery])
_outcome = TypeAdapter(str)


def find_store(supabase: Client, store_id: str, *, fresh: bool = False) -> WebhookStore | None:
    cached = _store_cache.get(store_id)
    if cached and not fresh and time.monotonic() - cached[0] < STORE_CACHE_SECONDS:
        return cached[1]
    rows = (
        supabase.table("stores")
        .select("id, default_country, store_credentials(woocommerce_webhook_secret)")
        .eq("id", store_id)
        .limit(1)
        .execute()
        .data
    )
    stores = _stores.validate_python(rows)
    store = stores[0] if stores else None
    if store is None:
        # A miss is not remembered: WooCommerce pings each new webhook while Sapa is still connecting
        # the store (its row does not exist yet), and a remembered miss would refuse its first orders.
        _store_cache.pop(store_id, None)
    else:
        _store_cache[store_id] = (time.monotonic(), store)
    return store


def record_delivery(
    supabase: Client,
    store_id: str,
    *,
    topic: str,
    resource_id: int,
    body_sha256: str,
    payload: object,
    delivery_id: str | None,
    webhook_id: int | None,
) -> RecordedDelivery:
    params = {
        "p_store_id": store_id,
        "p_topic": topic,
        "p_resource_id": resource_id,
        "p_body_sha256": body_sha256,
        "p_payload": payload,
        "p_delivery_id": delivery_id,
        "p_webhook_id": webhook_id,
    }
    (recorded,) = _recorded.validate_python(
        supabase.rpc("record_woocommerce_delivery", params).execute().data
    )
    return recorded


def finish_delivery(
    supabase: Client, delivery_id: int, outcome: str | None, error: str | None = None
) -> None:
    params = {"p_delivery_id": delivery_id, "p_outcome": outcome, "p_error": error}
    supabase.rpc("finish_woocommerce_delivery", params).execute()


APPLY_FUNCTIONS: dict[Resource, str] = {
    "order": "woocommerce_apply_order_and_variations",
    "customer": "woocommerce_apply_customer",
    "product": "woocommerce_apply_product_or_variation",
}
"""The SQL function that mirrors each resource (products and orders through the wrappers of migration
20261203000030, which keep variations linked)."""


def apply_resource(supabase: Client, store_id: str, resource: Resource, record: dict[str, Any]) -> str:
    """Mirror one resource; returns created, updated, unchanged or stale."""
    params = {"p_store_id": store_id, f"p_{resource}": record}
    return _outcome.validate_python(supabase.rpc(APPLY_FUNCTIONS[resource], params).execute().data)


def apply_from_shop(supabase: Client, store_id: str, resource: Resource, record: dict[str, Any]) -> str:
    """Mirror a resource as the shop's REST API answered it (it wins over a row of the same date)."""
    params = {"p_store_id": store_id, "p_resource": resource, "p_item": record}
    return _outcome.validate_python(supabase.rpc("woocommerce_apply_from_shop", params).execute().data)


class ProcessedDelivery(BaseModel):
    body_sha256: str
    received_at: datetime


def last_processed(
    supabase: Client, store_id: str, resource: Resource, resource_id: int | None = None
) -> ProcessedDelivery | None:
    """The delivery last processed for this resource type (of this resource, when given), under any
    topic: order.created and order.updated of one state carry the same body; a deletion has its own."""
    query = (
        supabase.table("woocommerce_deliveries")
        .select("body_sha256, received_at")
        .eq("store_id", store_id)
        .eq("status", "processed")
        .like("topic", f"{resource}.%")
    )
    if resource_id is not None:
        query = query.eq("resource_id", resource_id)
    found = rows(query.order("id", desc=True).limit(1).execute().data)
    return ProcessedDelivery.model_validate(found[0]) if found else None


def apply_deletion(supabase: Client, store_id: str, resource: Resource, external_id: int) -> str:
    if resource == "product":  # the id may be a variation's
        params: dict[str, Any] = {"p_store_id": store_id, "p_external_id": external_id}
        return _outcome.validate_python(
            supabase.rpc("woocommerce_apply_product_deletion", params).execute().data
        )
    params = {"p_store_id": store_id, "p_resource": resource, "p_external_id": external_id}
    return _outcome.validate_python(supabase.rpc("woocommerce_apply_deletion", params).execute().data)


def record_webhooks(supabase: Client, store_id: str, webhooks: list[dict[str, Any]]) -> None:
    """What a health check (or a connect) found: [{webhook_id, topic, status, reenabled}], the whole set."""
    params = {"p_store_id": store_id, "p_webhooks": webhooks}
    supabase.rpc("record_woocommerce_webhooks", params).execute()
