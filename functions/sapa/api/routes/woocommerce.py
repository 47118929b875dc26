"""POST /webhooks/woocommerce/{store_id}: orders, customers and products from the shop's WooCommerce.

verify → parse → store (logged, then applied idempotently) → 200. Nothing is parsed before the
X-WC-Webhook-Signature over the raw body has been checked with the store's secret; a refused request
(401 bad or missing signature, 404 unknown store, 400 malformed) stores nothing. WooCommerce's unsigned
activation ping (`webhook_id=N`, form-encoded) gets 200 and nothing else, even before the store exists.
A signed delivery that is stored answers 200 even when applying it failed: the error is in
woocommerce_deliveries (see sapa.commerce.woocommerce.ingest for why). A delivery that is not newer than
the mirror but brings new content queues a woocommerce_refetch job (the shop's REST API decides).

Under WooCommerce's legacy (posts) order storage, restoring an order from the trash also fires the
product.restored webhook for the order's post, whose body is then the REST API's 404 error
(`{"code": "woocommerce_rest_product_invalid_id", ...}`, no id): it is signed, acknowledged and ignored."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Annotated, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel
from supabase import Client

from sapa.api.deps import ReplyQueueDep, SupabaseDep, read_body
from sapa.commerce.woocommerce import storage
from sapa.commerce.woocommerce.ingest import Delivery, ingest
from sapa.commerce.woocommerce.parse import MalformedDelivery, Resource, parse_topic, resource_id
from sapa.commerce.woocommerce.signature import SIGNATURE_HEADER, verify
from sapa.jobs.queue import woocommerce_refetch_job

logger = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 4 * 1024 * 1024  # an order with hundreds of lines is well under 1 MB
TOPIC_HEADER = "X-WC-Webhook-Topic"
DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
WEBHOOK_ID_HEADER = "X-WC-Webhook-ID"


class WebhookAnswer(BaseModel):
    status: Literal["ping", "ignored", "processed", "failed", "replay"]
    delivery_id: int | None = None
    outcome: str | None = None
    """What the delivery did to the mirror: created, updated, unchanged, stale, deleted or ignored."""
    error: str | None = None


async def raw_body(request: Request) -> bytes:
    return await read_body(request, MAX_BODY_BYTES, "body too large")


RawBody = Annotated[bytes, Depends(raw_body)]


@router.post("/webhooks/woocommerce/{store_id}", response_model=WebhookAnswer)
def woocommerce_webhook(
    store_id: str, raw: RawBody, request: Request, supabase: SupabaseDep, queue: ReplyQueueDep
) -> WebhookAnswer:
    # The ping comes first: WooCommerce sends it the moment Sapa creates the webhook during connect, before
    # the store is written, and it carries nothing to store.
    if SIGNATURE_HEADER.lower() not in request.headers and _is_ping(raw):
        return WebhookAnswer(status="ping")
    store = _store(supabase, store_id)
    _verify(supabase, store, raw, request)

    topic = parse_topic(request.headers.get(TOPIC_HEADER))
    if topic is None:
        if not request.headers.get(TOPIC_HEADER):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing {TOPIC_HEADER}")
        return WebhookAnswer(status="ignored")  # a topic Sapa never subscribes to: nothing to do
    try:
        payload = json.loads(raw)
        if _is_rest_error(payload):
            logger.info("woocommerce %s for store %s carried a REST error: ignored", topic.name, store.id)
            return WebhookAnswer(status="ignored")
        resource_id(payload)
    except (ValueError, MalformedDelivery) as error:  # JSONDecodeError and UnicodeDecodeError included
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"not a WooCommerce {topic.resource}") from error

    delivery = Delivery(
        store=store,
        topic=topic,
        raw=raw,
        payload=payload,
        delivery_id=request.headers.get(DELIVERY_HEADER),
        webhook_id=_int(request.headers.get(WEBHOOK_ID_HEADER)),
    )

    def ask_shop(store: str, resource: Resource, external_id: int) -> None:
        queue.enqueue(woocommerce_refetch_job(store, resource, external_id))

    ingested = ingest(supabase, delivery, ask_shop)
    logger.info(
        "woocommerce %s %s for store %s: %s",
        topic.name,
        delivery.resource_id,
        store.id,
        "replay" if ingested.replay else ingested.outcome or "failed",
    )
    if ingested.replay:
        return WebhookAnswer(status="replay", delivery_id=ingested.delivery_id)
    return WebhookAnswer(
        status="failed" if ingested.error else "processed",
        delivery_id=ingested.delivery_id,
        outcome=ingested.outcome,
        error=ingested.error,
    )


def _store(supabase: Client, store_id: str) -> storage.WebhookStore:
    try:
        uuid.UUID(store_id)
    except ValueError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such store") from None
    store = storage.find_store(supabase, store_id)
    if store is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such store")
    return store


def _verify(supabase: Client, store: storage.WebhookStore, raw: bytes, request: Request) -> None:
    if verify(raw, request.headers, store.secret):
        return
    fresh = storage.find_store(supabase, store.id, fresh=True)  # the secret may just have changed
    if fresh is not None and verify(raw, request.headers, fresh.secret):
        return
    why = "no webhook secret" if (fresh or store).secret is None else "signature mismatch or missing"
    logger.warning("woocommerce webhook for store %s refused: %s", store.id, why)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid signature")


def _is_rest_error(payload: object) -> bool:
    """A WP REST error object (`code`, `message`, `data.status`) where a resource should be: what a
    restore under legacy storage delivers as product.restored."""
    return (
        isinstance(payload, dict)
        and "id" not in payload
        and isinstance(payload.get("code"), str)
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("status"), int)
    )


def _is_ping(raw: bytes) -> bool:
    """WooCommerce's activation ping: the form `webhook_id=<id>` and nothing else, unsigned."""
    try:
        fields = dict(parse_qsl(raw.decode(), strict_parsing=True, max_num_fields=2))
    except ValueError:
        return False
    return set(fields) == {"webhook_id"} and fields["webhook_id"].isdigit()


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
