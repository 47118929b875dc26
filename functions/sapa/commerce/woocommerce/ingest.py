"""One signed WooCommerce delivery, after its signature has been verified: logged first (durably), then
applied to the mirror, then its outcome or error recorded on the logged row.

Why a processing error still answers 2xx: the delivery is stored and its error is visible in
woocommerce_deliveries; WooCommerce disables a webhook on the 7th failed delivery in a row, and one
payload Sapa cannot apply (say, a status a plugin invented) must not stop every later order from
arriving. Only a failure to store the delivery at all (the database unreachable) answers 5xx; WooCommerce
never retries a failed delivery, so the webhook-health job's re-sync is what brings such a change later.

A delivery that is not newer than the mirror (same date_modified: WooCommerce's dates have whole
seconds; or older: deliveries arrive out of order) whose body is not the one last applied is a `conflict`:
the shop's REST API decides (`ask_shop` queues the woocommerce_refetch job: see
sapa.commerce.woocommerce.arbiter)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postgrest.exceptions import APIError
from pydantic import ValidationError
from supabase import Client

from sapa.commerce.woocommerce import storage
from sapa.commerce.woocommerce.parse import (
    Deleted,
    MalformedDelivery,
    Resource,
    Topic,
    record,
    resource_id,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """A verified delivery, parsed as far as its envelope: topic, resource id, JSON body."""

    store: storage.WebhookStore
    topic: Topic
    raw: bytes
    payload: dict[str, Any]
    delivery_id: str | None = None
    webhook_id: int | None = None

    @property
    def resource_id(self) -> int:
        return resource_id(self.payload)


AskShop = Callable[[str, Resource, int], None]
"""(store id, resource, its id): have the shop's REST API decide what the resource is now."""


@dataclass(frozen=True)
class Ingested:
    delivery_id: int
    outcome: str | None
    """created, updated, unchanged, stale, conflict, deleted or ignored; None when it failed or was a
    replay."""
    error: str | None = None
    replay: bool = False


def ingest(supabase: Client, delivery: Delivery, ask_shop: AskShop | None = None) -> Ingested:
    body_sha256 = hashlib.sha256(delivery.raw).hexdigest()
    recorded = storage.record_delivery(
        supabase,
        delivery.store.id,
        topic=delivery.topic.name,
        resource_id=delivery.resource_id,
        body_sha256=body_sha256,
        payload=delivery.payload,
        delivery_id=delivery.delivery_id,
        webhook_id=delivery.webhook_id,
    )
    if not recorded.needs_processing:
        return Ingested(recorded.delivery_id, None, replay=True)
    try:
        outcome = apply(supabase, delivery.store, delivery.topic, delivery.payload)
    except (ValidationError, MalformedDelivery, APIError) as error:
        reason = describe(error)
        logger.warning(
            "woocommerce %s %s for store %s not applied: %s",
            delivery.topic.name,
            delivery.resource_id,
            delivery.store.id,
            reason,
        )
        storage.finish_delivery(supabase, recorded.delivery_id, None, reason)
        return Ingested(recorded.delivery_id, None, reason)
    if _not_newer(delivery, outcome) and ask_shop is not None:
        resource = delivery.topic.resource
        latest = storage.last_processed(supabase, delivery.store.id, resource, delivery.resource_id)
        if latest is None or latest.body_sha256 != body_sha256:
            ask_shop(delivery.store.id, resource, delivery.resource_id)
            outcome = "conflict"
    storage.finish_delivery(supabase, recorded.delivery_id, outcome)
    return Ingested(recorded.delivery_id, outcome)


def _not_newer(delivery: Delivery, outcome: str) -> bool:
    """A resource delivered whole that the mirror did not take (a deletion carries only an id)."""
    return delivery.topic.event != "deleted" and outcome in ("unchanged", "stale")


def apply(supabase: Client, store: storage.WebhookStore, topic: Topic, payload: dict[str, Any]) -> str:
    """Mirror the delivered resource: created, updated, unchanged, stale, deleted or ignored."""
    if topic.event == "deleted":
        deleted = Deleted.model_validate(payload)
        return storage.apply_deletion(supabase, store.id, topic.resource, deleted.id)
    mirrored = record(topic.resource, payload, store.default_country)
    return storage.apply_resource(supabase, store.id, topic.resource, mirrored)


def describe(error: Exception) -> str:
    """What went wrong, in words fit for the delivery log: field names and reasons, never the values."""
    if isinstance(error, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        ]
        return "not a WooCommerce resource: " + "; ".join(problems[:5])
    if isinstance(error, APIError):
        return f"the database refused it: {error.message}"
    return str(error)
