"""Webhook health: WooCommerce disables a webhook on the 7th failed delivery in a row (and a re-enabled
one on its next failure: failure_count stays at 6), never retries a failed delivery, and tells nobody.
So Sapa checks by itself, on a schedule (the `woocommerce-health` scheduled job, sapa.jobs.scheduled:
`sapa jobs run woocommerce-health`, the local stack's schedule thread, an EventBridge schedule on AWS),
for each connected shop, through its REST API:

1. reads the shop's webhooks (GET /webhooks; the REST API shows `status`, not failure_count);
2. re-enables each of Sapa's webhooks that WooCommerce `disabled` (PUT {"status": "active"}); one the
   owner `paused` is left as the owner chose; one the shop no longer has (or a topic a shop connected
   before Sapa subscribed to it lacks, e.g. order.restored) is created again with the store's secret;
3. re-syncs what changed while a webhook was off: orders and products modified after the last good
   delivery of that resource (less QUEUE_DELAY for WooCommerce's queue), `modified_after` sent with
   its explicit offset, paged by X-WP-TotalPages, each item applied as the shop says it is now.
   WooCommerce's /customers listing has no modified_after: customers come back with their next order
   or the next backfill (POST /stores/me/sync);
4. records what it found (woocommerce_webhooks), which GET /stores/me shows."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from sapa.commerce.woocommerce import storage
from sapa.commerce.woocommerce.arbiter import LISTING
from sapa.commerce.woocommerce.client import WooCommerceClient, WooCommerceError
from sapa.commerce.woocommerce.parse import WEBHOOK_TOPICS, MalformedDelivery, Resource, record
from sapa.commerce.woocommerce.shop import ShopDeps, ShopNotConnected, open_shop
from sapa.db import rows
from sapa.stores import storage as stores
from sapa.stores.crypto import CredentialsKeyMissing, CredentialsUnreadable

logger = logging.getLogger(__name__)

QUEUE_DELAY = timedelta(minutes=10)
"""How long before the last good delivery a re-sync starts: WooCommerce builds a delivery when its queue
runs, not when the change happened (applying a change twice changes nothing)."""
RESYNCED: tuple[Resource, ...] = ("order", "product")
"""Resources whose REST listing takes modified_after."""


@dataclass(frozen=True)
class WebhookState:
    webhook_id: int
    topic: str
    status: str
    """active, paused, disabled (as WooCommerce reports it after the check), or missing."""
    reenabled: bool = False
    created: bool = False


@dataclass
class HealthReport:
    store_id: str
    webhooks: list[WebhookState] = field(default_factory=list)
    resynced: dict[str, int] = field(default_factory=dict)
    """Items applied per resource by the re-sync."""
    error: str | None = None


def check_stores(deps: ShopDeps, store_id: str | None = None) -> list[HealthReport]:
    """Check one store, or every connected one; a shop that fails does not stop the others."""
    reports = []
    for store in [store_id] if store_id else connected_stores(deps):
        try:
            reports.append(check_store(deps, store))
        except (WooCommerceError, ShopNotConnected, CredentialsKeyMissing, CredentialsUnreadable) as error:
            logger.warning("webhook health of store %s not checked: %s", store, error)
            reports.append(HealthReport(store, error=str(error)))
    return reports


def check_store(deps: ShopDeps, store_id: str) -> HealthReport:
    credentials = stores.shop_credentials(deps.supabase, store_id)
    if credentials is None or not credentials.webhook_secret:
        raise ShopNotConnected(f"store {store_id} has no webhook secret (not connected)")
    shop = open_shop(deps, store_id)
    report = HealthReport(store_id)
    with shop.client as client:
        ours = {w["id"]: w for w in client.list_webhooks() if w.get("id") in credentials.webhook_ids}
        delivery_url = _delivery_url(ours.values(), deps, store_id)
        for topic in WEBHOOK_TOPICS:
            webhook = next((w for w in ours.values() if w.get("topic") == topic), None)
            report.webhooks.append(_heal(client, topic, webhook, delivery_url, credentials.webhook_secret))
        off = {w.topic.partition(".")[0] for w in report.webhooks if w.reenabled or w.created}
        for resource in RESYNCED:
            since = resync_since(deps, store_id, resource) if resource in off else None
            if since is not None:
                report.resynced[resource] = resync(deps, client, store_id, shop.country, resource, since)
    storage.record_webhooks(
        deps.supabase,
        store_id,
        [
            {"webhook_id": w.webhook_id, "topic": w.topic, "status": w.status, "reenabled": w.reenabled}
            for w in report.webhooks
        ],
    )
    logger.info(
        "webhook health of store %s: %s; re-synced %s",
        store_id,
        ", ".join(
            f"{w.topic} {w.status}" + (" (re-enabled)" if w.reenabled else "") for w in report.webhooks
        ),
        report.resynced or "nothing",
    )
    return report


def _heal(
    client: WooCommerceClient, topic: str, webhook: dict[str, Any] | None, delivery_url: str, secret: str
) -> WebhookState:
    if webhook is None:
        created = client.create_webhook(f"Sapa {topic}", topic, delivery_url, secret)
        return WebhookState(created, topic, "active", created=True)
    status = str(webhook.get("status"))
    if status == "disabled":
        status = str(client.set_webhook_status(webhook["id"], "active").get("status"))
        return WebhookState(webhook["id"], topic, status, reenabled=True)
    return WebhookState(webhook["id"], topic, status)


def _delivery_url(webhooks: Any, deps: ShopDeps, store_id: str) -> str:
    """Where Sapa's webhooks of this store deliver: as the existing ones say, else under the public URL."""
    for webhook in webhooks:
        url = webhook.get("delivery_url")
        if isinstance(url, str) and url.endswith(f"/webhooks/woocommerce/{store_id}"):
            return url
    base = deps.settings.public_base_url
    if not base:
        raise ShopNotConnected(
            f"store {store_id}: no webhook left to copy the delivery URL from, no PUBLIC_BASE_URL"
        )
    return f"{base.rstrip('/')}/webhooks/woocommerce/{store_id}"


def resync(
    deps: ShopDeps,
    client: WooCommerceClient,
    store_id: str,
    country: str,
    resource: Resource,
    since: datetime,
) -> int:
    """Apply every `resource` the shop modified after `since` (less QUEUE_DELAY) as the shop has it now."""
    after = since - QUEUE_DELAY
    applied, page, total_pages = 0, 1, 1
    while page <= total_pages:
        listed = client.list_page(LISTING[resource], page, modified_after=after)
        for item in listed.items:
            try:
                mirrored = record(resource, item, country)
            except (ValidationError, MalformedDelivery) as error:
                logger.warning(
                    "re-sync of store %s: %s %s unreadable: %s", store_id, resource, item.get("id"), error
                )
                continue
            storage.apply_from_shop(deps.supabase, store_id, resource, mirrored)
            applied += 1
        total_pages = listed.total_pages or page
        page += 1
    return applied


def resync_since(deps: ShopDeps, store_id: str, resource: Resource) -> datetime | None:
    """The last good delivery of the resource, else when the shop connected."""
    last = storage.last_processed(deps.supabase, store_id, resource)
    if last is not None:
        return last.received_at
    store = rows(
        deps.supabase.table("stores").select("woocommerce_connected_at").eq("id", store_id).execute().data
    )
    connected = store[0]["woocommerce_connected_at"] if store else None
    return datetime.fromisoformat(connected) if connected else None


def connected_stores(deps: ShopDeps) -> list[str]:
    found = rows(
        deps.supabase.table("store_api_keys").select("store_id").is_("revoked_at", "null").execute().data
    )
    return sorted({str(row["store_id"]) for row in found})
