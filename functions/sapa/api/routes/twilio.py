"""POST /webhooks/twilio: WhatsApp messages and status callbacks from Twilio.

verify → parse → store (idempotent) → enqueue → 200 with empty TwiML. Nothing is parsed before the
signature over the raw form has been verified with the store's auth token, and nothing is stored for a
request that is refused (403 bad or missing signature, 404 unknown number, 400 malformed)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from supabase import Client

from sapa.api.deps import ReplyQueueDep, SettingsDep, SupabaseDep, read_body
from sapa.channels.twilio import storage
from sapa.channels.twilio.inbound import (
    MalformedTwilioRequest,
    is_status_callback,
    parse_message,
    parse_status,
    store_number,
)
from sapa.channels.twilio.signature import SIGNATURE_HEADER, verify
from sapa.jobs.queue import ReplyQueue

logger = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 256 * 1024  # Twilio sends a few hundred bytes; WhatsApp caps text at 4,096 characters
MAX_FORM_FIELDS = 200


@dataclass(frozen=True)
class SignedForm:
    """A form as received: its fields undecoded beyond URL encoding, not yet trusted."""

    url: str
    params: dict[str, str]
    signature: str


async def signed_form(request: Request, settings: SettingsDep) -> SignedForm:
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing {SIGNATURE_HEADER}")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"expected {FORM_TYPE}")
    raw = await read_body(request, MAX_FORM_BYTES, "form too large")
    return SignedForm(public_url(request, settings.public_base_url), form_params(raw), signature)


SignedFormDep = Annotated[SignedForm, Depends(signed_form)]


def form_params(raw: bytes) -> dict[str, str]:
    """URL-decoded fields, exactly as sent (the signature covers them as they are)."""
    try:
        pairs = parse_qsl(
            raw.decode(), keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS
        )
    except ValueError as error:  # UnicodeDecodeError included
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the body is not a URL-encoded form") from error
    params = dict(pairs)
    if len(params) != len(pairs):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "a form field is repeated")
    return params


def public_url(request: Request, public_base_url: str | None) -> str:
    """The URL Twilio requested: the configured public base URL, else the request's own URL as the
    client saw it (a proxy or API Gateway in front passes X-Forwarded-Proto/Host)."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if public_base_url:
        return public_base_url.rstrip("/") + path
    scheme = _first(request.headers.get("x-forwarded-proto")) or request.url.scheme
    host = _first(request.headers.get("x-forwarded-host")) or request.url.netloc
    return f"{scheme}://{host}{path}"


def _first(header: str | None) -> str | None:
    """The client-side value of a forwarded header (each proxy on the way appends its own)."""
    value = (header or "").split(",")[0].strip()
    return value or None


@router.post(
    "/webhooks/twilio",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}, "description": "Stored; empty TwiML"}},
)
def twilio_webhook(form: SignedFormDep, supabase: SupabaseDep, queue: ReplyQueueDep) -> Response:
    store = _verified_store(supabase, form)
    try:
        if is_status_callback(form.params):
            _record_status(supabase, store.id, form.params)
        else:
            _ingest(supabase, queue, form.params)
    except MalformedTwilioRequest as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    return Response(EMPTY_TWIML, media_type="text/xml")


def _verified_store(supabase: Client, form: SignedForm) -> storage.WebhookStore:
    try:
        number = store_number(form.params)
    except MalformedTwilioRequest as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from error
    store = storage.find_store(supabase, number)
    if store is not None and not _signed_for(store, form):
        store = storage.find_store(supabase, number, fresh=True)  # the token may just have been rotated
    if store is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no store has this WhatsApp number")
    if not _signed_for(store, form):
        why = "no Twilio auth token" if store.auth_token is None else f"signature not for {form.url}"
        logger.warning("twilio webhook for store %s refused: %s", store.id, why)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid signature")
    return store


def _signed_for(store: storage.WebhookStore, form: SignedForm) -> bool:
    return store.auth_token is not None and verify(form.url, form.params, form.signature, store.auth_token)


def _ingest(supabase: Client, queue: ReplyQueue, params: dict[str, str]) -> None:
    message = parse_message(params)
    ingested = storage.ingest_message(supabase, message)
    # Also for a redelivery: the reply job is idempotent, and the first enqueue may have been lost.
    queue.enqueue_reply(ingested.store_id, ingested.message_id)
    logger.info(
        "whatsapp message %s stored as %s for store %s (new: %s)",
        message.message_sid,
        ingested.message_id,
        ingested.store_id,
        ingested.created,
    )


def _record_status(supabase: Client, store_id: str, params: dict[str, str]) -> None:
    callback = parse_status(params)
    recorded = storage.record_status(supabase, store_id, callback)
    logger.info(
        "twilio status %s for message %s of store %s: now %s",
        callback.status,
        callback.message_sid,
        store_id,
        recorded or "unknown message",
    )
