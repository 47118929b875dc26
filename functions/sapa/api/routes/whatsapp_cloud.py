"""GET/POST /webhooks/whatsapp-cloud: Meta's WhatsApp Cloud API webhook, one URL for every store.

GET is Meta's subscription check: hub.mode=subscribe and hub.verify_token equal to the configured
META_WEBHOOK_VERIFY_TOKEN → hub.challenge echoed as text/plain; anything else 403.

POST: the stores the body is about are found by metadata.phone_number_id; the body's X-Hub-Signature-256
must be the HMAC-SHA256 of the raw bytes with each of those stores' app secret (403 and nothing stored
otherwise); then messages are stored once per Meta message id (Meta redelivers), replies enqueued, and
statuses move messages forward. 404 when no store has any of the phone number ids."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import PlainTextResponse
from supabase import Client

from sapa.api.deps import ReplyQueueDep, SettingsDep, SupabaseDep, read_body
from sapa.channels import storage
from sapa.channels.meta import storage as meta_storage
from sapa.channels.meta.graph import api_root
from sapa.channels.meta.signature import SIGNATURE_HEADER, verify
from sapa.channels.meta.storage import ChannelStore
from sapa.channels.meta.webhook import MalformedMetaRequest, WebhookBatch, load, parse, phone_number_ids
from sapa.channels.router import credentials_cipher
from sapa.jobs.queue import ReplyQueue
from sapa.stores.crypto import CredentialsCipher

logger = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 3 * 1024 * 1024  # Meta batches up to 1,000 updates in one POST


@router.get(
    "/webhooks/whatsapp-cloud",
    response_class=PlainTextResponse,
    responses={403: {"description": "Not subscribe, or not the configured verify token"}},
)
def verify_subscription(
    settings: SettingsDep,
    mode: Annotated[str, Query(alias="hub.mode")] = "",
    token: Annotated[str, Query(alias="hub.verify_token")] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "",
) -> PlainTextResponse:
    expected = settings.meta_webhook_verify_token
    if (
        mode != "subscribe"
        or expected is None
        or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode())
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "verification refused")
    return PlainTextResponse(challenge)


@dataclass(frozen=True)
class SignedBody:
    """The raw body as received, not yet trusted, and the signature it came with."""

    raw: bytes
    signature: str


async def signed_body(request: Request) -> SignedBody:
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing {SIGNATURE_HEADER}")
    return SignedBody(await read_body(request, MAX_BODY_BYTES, "body too large"), signature)


@router.post("/webhooks/whatsapp-cloud", response_class=Response, responses={200: {"description": "Stored"}})
def whatsapp_cloud_webhook(
    body: Annotated[SignedBody, Depends(signed_body)],
    settings: SettingsDep,
    supabase: SupabaseDep,
    queue: ReplyQueueDep,
) -> Response:
    try:
        payload = load(body.raw)
        number_ids = phone_number_ids(payload)
    except MalformedMetaRequest as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    stores = _verified_stores(supabase, credentials_cipher(settings), body, number_ids)
    root = api_root(settings.meta_graph_api_base_url, settings.meta_graph_api_version)
    try:
        batches = parse(payload, lambda media_id: f"{root}/{media_id}")
    except MalformedMetaRequest as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    for batch in batches:
        if batch.phone_number_id in stores:
            _store(supabase, queue, stores[batch.phone_number_id], batch)
    return Response(status_code=status.HTTP_200_OK)


def _verified_stores(
    supabase: Client, cipher: CredentialsCipher | None, body: SignedBody, number_ids: set[str]
) -> dict[str, ChannelStore]:
    """The Meta stores of these phone number ids whose app secret signed the body; 403 if any did not."""
    stores = {}
    for number_id in number_ids:
        store = meta_storage.find_store(supabase, cipher, "meta_phone_number_id", number_id)
        if store is not None and not _signed_for(store, body):
            store = meta_storage.find_store(supabase, cipher, "meta_phone_number_id", number_id, fresh=True)
        if store is None or store.provider != "meta":
            logger.warning("whatsapp cloud webhook for unknown phone number id %s ignored", number_id)
            continue
        if not _signed_for(store, body):
            why = "no readable app secret" if store.app_secret is None else "signature does not match"
            logger.warning("whatsapp cloud webhook for store %s refused: %s", store.id, why)
            raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid signature")
        stores[number_id] = store
    if not stores:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no store has this phone number id")
    return stores


def _signed_for(store: ChannelStore, body: SignedBody) -> bool:
    return store.app_secret is not None and verify(body.raw, body.signature, store.app_secret)


def _store(supabase: Client, queue: ReplyQueue, store: ChannelStore, batch: WebhookBatch) -> None:
    if store.whatsapp_number is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the store has no WhatsApp number")
    for message in batch.messages:
        ingested = storage.ingest_message(supabase, store.whatsapp_number, message)
        if message.answer:  # also for a redelivery: the reply job is idempotent
            queue.enqueue_reply(ingested.store_id, ingested.message_id)
        logger.info(
            "whatsapp cloud message %s stored as %s for store %s (new: %s)",
            message.provider_message_id,
            ingested.message_id,
            store.id,
            ingested.created,
        )
    for update in batch.statuses:
        recorded = storage.record_status(supabase, store.id, update)
        logger.info(
            "whatsapp cloud status %s for message %s of store %s: now %s",
            update.status,
            update.provider_message_id,
            store.id,
            recorded or "unknown message",
        )
