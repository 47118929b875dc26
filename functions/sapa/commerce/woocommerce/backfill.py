"""The backfill: the last 6 months of orders, and all customers and products, read page by page from the
shop's REST API v3 and applied through the same SQL functions as the webhooks (so a backfill and a
webhook never fight: the newer date_modified wins either way).

Resumable: each page is applied together with the progress past it (woocommerce_apply_page), so a job
that stops, fails or times out leaves the next one to continue at the first page not yet applied.
Bounded: one job applies at most `backfill_pages_per_job` pages and a few minutes' work, then queues its
continuation: well within a Lambda's 15-minute limit. Products go first, so that order lines can link to
them; then customers, then orders. `/products` does not list variations: the variations of each variable
product on a page are read (`/products/<id>/variations`, every page of them) and applied with that page,
so they resume with it too."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from supabase import Client

from sapa.commerce.woocommerce.client import PER_PAGE, Page, WooCommerceClient, WooCommerceError
from sapa.commerce.woocommerce.parse import MalformedDelivery, Resource, record
from sapa.db import rows
from sapa.settings import Settings
from sapa.stores.crypto import CredentialsCipher, CredentialsKeyMissing, CredentialsUnreadable

logger = logging.getLogger(__name__)

RESOURCES = ("products", "customers", "orders")
_ONE: dict[str, Resource] = {
    "products": "product",
    "customers": "customer",
    "orders": "order",
    "variations": "product",
}
"""The REST listing's resource → the webhook topic's (and parse.record's) name for one of them."""
BACKFILL_WINDOW = timedelta(days=183)
"""How far back orders are fetched: 6 months, the default retention."""
JOB_SECONDS = 240.0
"""A job starts no new page after this long (the background Lambda has 300 s)."""

ClientFactory = Callable[[str, str, str], WooCommerceClient]


def orders_after(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - BACKFILL_WINDOW


@dataclass
class BackfillDeps:
    supabase: Client
    settings: Settings
    client_factory: ClientFactory | None = None
    clock: Callable[[], float] = field(default=time.monotonic)

    def client(self, site_url: str, key: str, secret: str) -> WooCommerceClient:
        if self.client_factory is not None:
            return self.client_factory(site_url, key, secret)
        return WooCommerceClient.from_settings(self.settings, site_url, key, secret)


class _Progress(BaseModel):
    resource: str
    next_page: int
    finished_at: datetime | None


class _Source(BaseModel):
    site_url: str
    country: str
    consumer_key: str
    consumer_secret: str
    orders_after: datetime
    status: str
    progress: dict[str, _Progress]


_PROGRESS = TypeAdapter(_Progress)


def run_backfill(deps: BackfillDeps, store_id: str, *, max_pages: int | None = None) -> bool:
    """Apply the next pages of the store's backfill; True when pages remain (queue a continuation).
    A failure (keys refused, shop down after retries) is recorded on the sync, which a POST
    /stores/me/sync resumes."""
    try:
        source = _source(deps, store_id)
    except (CredentialsKeyMissing, CredentialsUnreadable, LookupError) as error:
        _fail(deps.supabase, store_id, str(error))
        return False
    if source is None or source.status == "done":
        return False
    _mark(deps.supabase, store_id, "running")
    budget = max_pages or deps.settings.backfill_pages_per_job
    started = deps.clock()
    pages = 0
    with deps.client(source.site_url, source.consumer_key, source.consumer_secret) as client:
        for resource in RESOURCES:
            progress = source.progress[resource]
            while progress.finished_at is None:
                if pages >= budget or deps.clock() - started > JOB_SECONDS:
                    return True
                try:
                    progress = _apply_next_page(deps.supabase, client, store_id, source, progress)
                except WooCommerceError as error:
                    _fail(deps.supabase, store_id, f"{resource} page {progress.next_page}: {error}")
                    return False
                pages += 1
    return False


def _apply_next_page(
    supabase: Client, client: WooCommerceClient, store_id: str, source: _Source, progress: _Progress
) -> _Progress:
    resource, page_number = progress.resource, progress.next_page
    params = {"after": source.orders_after.isoformat()} if resource == "orders" else {}
    page = client.list_page(resource, page_number, **params)
    records, unreadable = _records(resource, page.items, source.country)
    problems = unreadable + (
        _read_variations(client, records, source.country) if resource == "products" else []
    )
    params_sql: dict[str, Any] = {
        "p_store_id": store_id,
        "p_resource": resource,
        "p_page": page_number,
        "p_items": records,
        "p_total_pages": page.total_pages,
        "p_items_total": page.total,
        "p_unreadable": len(unreadable),
        "p_unreadable_error": problems[-1] if problems else None,
        "p_last": _is_last(page, page_number),
    }
    applied = supabase.rpc("woocommerce_apply_page", params_sql).execute().data
    logger.info(
        "backfill of store %s: %s page %d applied (%d items)",
        store_id,
        resource,
        page_number,
        len(page.items),
    )
    return _PROGRESS.validate_python(applied)


def _read_variations(client: WooCommerceClient, products: list[dict[str, Any]], country: str) -> list[str]:
    """Put the variations of each variable product into its record (`variations`), to be applied with it;
    returns the variations that could not be read (they are not counted as items: products are)."""
    problems: list[str] = []
    for product in products:
        if product.get("type") != "variable":
            continue
        listing = f"products/{product['external_id']}/variations"
        items: list[dict[str, Any]] = []
        page_number = 1
        while True:
            try:
                page = client.list_page(listing, page_number)
            except WooCommerceError as error:
                if error.status_code == 404:  # deleted since the listing: its product.deleted follows
                    break
                raise
            # Every item of this listing is a variation of this product, whether or not it says so.
            items += [
                {"type": "variation", "parent_id": product["external_id"]} | item for item in page.items
            ]
            if _is_last(page, page_number):
                break
            page_number += 1
        product["variations"], unreadable = _records("variations", items, country)
        problems += unreadable
    return problems


def _is_last(page: Page, page_number: int) -> bool:
    if not page.items:
        return True
    if page.total_pages is not None:
        return page_number >= page.total_pages
    return len(page.items) < PER_PAGE  # the shop sent no X-WP-TotalPages


def _records(
    resource: str, items: list[dict[str, Any]], country: str
) -> tuple[list[dict[str, Any]], list[str]]:
    records: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for item in items:
        try:
            records.append(record(_ONE[resource], item, country))
        except (ValidationError, MalformedDelivery) as error:
            problem = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
            unreadable.append(f"{resource} {item.get('id')}: {problem}")
    return records, unreadable


def _source(deps: BackfillDeps, store_id: str) -> _Source | None:
    found = rows(
        deps.supabase.table("stores")
        .select(
            "site_url, default_country,"
            " store_credentials(woocommerce_consumer_key_encrypted, woocommerce_consumer_secret_encrypted),"
            " woocommerce_syncs(status, orders_after,"
            " woocommerce_sync_resources(resource, next_page, finished_at))"
        )
        .eq("id", store_id)
        .execute()
        .data
    )
    if not found or not found[0]["woocommerce_syncs"]:
        return None
    store, sync = found[0], found[0]["woocommerce_syncs"]
    secrets = store["store_credentials"] or {}
    key, secret = (
        secrets.get("woocommerce_consumer_key_encrypted"),
        secrets.get("woocommerce_consumer_secret_encrypted"),
    )
    if not (store["site_url"] and key and secret):
        raise LookupError("the shop is not connected (no WooCommerce keys)")
    cipher = CredentialsCipher.from_settings(deps.settings)
    progress = {p["resource"]: _PROGRESS.validate_python(p) for p in sync["woocommerce_sync_resources"]}
    return _Source(
        site_url=store["site_url"],
        country=store["default_country"],
        consumer_key=cipher.decrypt(key),
        consumer_secret=cipher.decrypt(secret),
        orders_after=sync["orders_after"],
        status=sync["status"],
        progress=progress,
    )


def _mark(supabase: Client, store_id: str, status: str) -> None:
    supabase.table("woocommerce_syncs").update({"status": status, "error": None}).eq(
        "store_id", store_id
    ).execute()


def _fail(supabase: Client, store_id: str, error: str) -> None:
    logger.warning("backfill of store %s failed: %s", store_id, error)
    supabase.table("woocommerce_syncs").update({"status": "failed", "error": error[:2000]}).eq(
        "store_id", store_id
    ).execute()


def run_backfill_job(
    supabase: Client, settings: Settings, store_id: str, continue_with: Callable[[str], None] | None
) -> None:
    """The `backfill` job: some pages, then its continuation on the queue (or, without a queue, here)."""
    deps = BackfillDeps(supabase, settings)
    while run_backfill(deps, store_id):
        if continue_with is not None:
            continue_with(store_id)
            return
