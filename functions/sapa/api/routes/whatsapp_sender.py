"""The store's WhatsApp sender (owners and admins): Twilio (or its sandbox) or Meta's WhatsApp Cloud API.

GET  /api/stores/{store_id}/whatsapp-sender → {"provider", "meta": {"phone_number_id", "waba_id",
     "has_access_token", "has_app_secret"} | null} (secrets are never returned)
PUT  /api/stores/{store_id}/whatsapp-sender {"provider": "meta", "meta": {"phone_number_id", "waba_id",
     "access_token", "app_secret"}} or {"provider": "twilio"} → the same shape. A Meta sender needs both
     secrets the first time; later a missing one keeps the stored one. 503 without an encryption key.
POST /api/stores/{store_id}/whatsapp-sender/templates/sync → {"synced": n}: the WABA's templates (every
     page) into the store's templates (provider meta). 409 when the store does not send through Meta."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sapa.api.deps import SettingsDep, StoreAdmin, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.channels.base import ChannelUnavailable
from sapa.channels.meta import storage as meta_storage
from sapa.channels.meta.channel import MetaChannel
from sapa.channels.meta.graph import GraphRefused
from sapa.channels.router import credentials_cipher, graph_api
from sapa.db import rows

router = APIRouter(prefix="/api/stores/{store_id}/whatsapp-sender", tags=["stores"], responses=AUTH_RESPONSES)

GraphId = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,30}$")]
Secret = Annotated[str, StringConstraints(min_length=8, max_length=1000, pattern=r"^\S+$")]


class MetaSenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone_number_id: GraphId
    waba_id: GraphId
    access_token: Secret | None = None
    app_secret: Secret | None = None


class SenderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Literal["twilio", "meta"]
    meta: MetaSenderIn | None = None


class MetaSenderPublic(BaseModel):
    phone_number_id: str
    waba_id: str
    has_access_token: bool
    has_app_secret: bool


class SenderPublic(BaseModel):
    provider: Literal["twilio", "meta"]
    meta: MetaSenderPublic | None = None


class TemplateSync(BaseModel):
    synced: int = Field(description="Templates stored or updated from the WABA")


@router.get("", response_model=SenderPublic)
def get_sender(admin: StoreAdmin, supabase: SupabaseDep) -> SenderPublic:
    return _sender(supabase, str(admin.store_id))


@router.put("", response_model=SenderPublic, responses={422: {}, 503: {}})
def put_sender(
    choice: SenderIn, admin: StoreAdmin, supabase: SupabaseDep, settings: SettingsDep
) -> SenderPublic:
    if choice.provider == "meta" and choice.meta is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a Meta sender needs its ids and secrets")
    params: dict[str, str | None] = {"p_store_id": str(admin.store_id), "p_provider": choice.provider}
    if choice.provider == "meta" and choice.meta is not None:
        cipher = credentials_cipher(settings)
        if cipher is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "this Sapa server has no encryption key")
        meta = choice.meta
        params |= {
            "p_phone_number_id": meta.phone_number_id,
            "p_waba_id": meta.waba_id,
            "p_access_token_encrypted": cipher.encrypt(meta.access_token) if meta.access_token else None,
            "p_app_secret_encrypted": cipher.encrypt(meta.app_secret) if meta.app_secret else None,
        }
    with refusals_as_http_errors():
        supabase.rpc("configure_whatsapp_sender", params).execute()
    meta_storage.forget_cached_stores()
    return _sender(supabase, str(admin.store_id))


@router.post("/templates/sync", response_model=TemplateSync, responses={409: {}, 502: {}})
def sync_templates(admin: StoreAdmin, supabase: SupabaseDep, settings: SettingsDep) -> TemplateSync:
    store_id = str(admin.store_id)
    store = meta_storage.find_store(supabase, credentials_cipher(settings), "id", store_id, fresh=True)
    if store is None or store.provider != "meta" or store.meta is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "the store does not send through Meta's Cloud API")
    graph = graph_api(settings)
    try:
        channel = MetaChannel(graph, store.meta, lambda _: None)
        templates = channel.list_templates()
    except (ChannelUnavailable, GraphRefused) as error:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"Meta's templates could not be read: {error}"
        ) from error
    finally:
        graph.close()
    return TemplateSync(synced=meta_storage.sync_templates(supabase, store_id, templates))


def _sender(supabase: SupabaseDep, store_id: str) -> SenderPublic:
    found = rows(
        supabase.table("stores")
        .select(
            "whatsapp_provider, meta_phone_number_id, meta_waba_id,"
            " store_credentials(meta_access_token_encrypted, meta_app_secret_encrypted)"
        )
        .eq("id", store_id)
        .execute()
        .data
    )
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such store")
    row = found[0]
    secrets = row.get("store_credentials") or {}
    meta = None
    if row.get("meta_phone_number_id") and row.get("meta_waba_id"):
        meta = MetaSenderPublic(
            phone_number_id=str(row["meta_phone_number_id"]),
            waba_id=str(row["meta_waba_id"]),
            has_access_token=bool(secrets.get("meta_access_token_encrypted")),
            has_app_secret=bool(secrets.get("meta_app_secret_encrypted")),
        )
    return SenderPublic(provider=row["whatsapp_provider"], meta=meta)
