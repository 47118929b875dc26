"""The store settings page (README, "Store settings"); owners only.

GET   /api/stores/{store_id}/settings → 200 name, time zone, currency, WhatsApp sender and its state, the
      WooCommerce connection (last sync, webhooks' health) and every WhatsApp template with its approval.
PATCH /api/stores/{store_id}/settings {"name"?, "timezone"?, "currency"?} → 200 the settings; 422 on bad
      input.
POST  /api/stores/{store_id}/settings/webhooks/reenable → 200 the settings: Sapa's webhooks in the
      shop checked through its REST API now, disabled ones re-enabled, missing ones created, what they missed
      re-synced (the scheduled health check's code); 409 when the shop is not connected, 502 when it fails.
POST  /api/stores/{store_id}/templates/sync → 200 {added, updated, removed, unchanged, skipped, templates}:
      the account's templates from Twilio's Content API replace the synced ones (idempotent); 409 for a
      store without a Twilio account (sandbox), 502 when Twilio refuses or fails."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from sapa.api.auth import Membership, require_role
from sapa.api.deps import SettingsDep, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.channels.twilio.content import TwilioRefused, sync_templates
from sapa.channels.twilio.sender import TwilioUnavailable
from sapa.commerce.woocommerce.client import WooCommerceError
from sapa.commerce.woocommerce.health import check_store
from sapa.commerce.woocommerce.shop import ShopDeps, ShopNotConnected
from sapa.stores import settings as store_settings
from sapa.stores.crypto import CredentialsKeyMissing, CredentialsUnreadable

router = APIRouter(prefix="/api/stores/{store_id}", tags=["store settings"], responses=AUTH_RESPONSES)
StoreOwner = Annotated[Membership, Depends(require_role("owner"))]


class TemplateSync(BaseModel):
    added: int
    updated: int
    removed: int
    unchanged: int
    skipped: list[str]
    templates: list[store_settings.TemplateRow]


@router.get("/settings", response_model=store_settings.StoreSettingsPublic)
def get_store_settings(supabase: SupabaseDep, owner: StoreOwner) -> store_settings.StoreSettingsPublic:
    return store_settings.store_settings(supabase, str(owner.store_id))


@router.patch("/settings", response_model=store_settings.StoreSettingsPublic)
def change_store_settings(
    changes: store_settings.StoreSettingsChange, supabase: SupabaseDep, owner: StoreOwner
) -> store_settings.StoreSettingsPublic:
    with refusals_as_http_errors():
        store_settings.change(supabase, str(owner.store_id), str(owner.user_id), changes)
    return store_settings.store_settings(supabase, str(owner.store_id))


@router.post("/settings/webhooks/reenable", response_model=store_settings.StoreSettingsPublic)
def reenable_webhooks(
    supabase: SupabaseDep, settings: SettingsDep, owner: StoreOwner
) -> store_settings.StoreSettingsPublic:
    store_id = str(owner.store_id)
    try:
        check_store(ShopDeps(supabase, settings), store_id)
    except (ShopNotConnected, CredentialsKeyMissing, CredentialsUnreadable) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the shop is not connected: {error}") from error
    except WooCommerceError as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"the shop's REST API failed: {error}") from error
    return store_settings.store_settings(supabase, store_id)


@router.post("/templates/sync", response_model=TemplateSync)
def sync_whatsapp_templates(supabase: SupabaseDep, settings: SettingsDep, owner: StoreOwner) -> TemplateSync:
    store_id = str(owner.store_id)
    account = store_settings.twilio_account(supabase, store_id)
    if account is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "this store has no Twilio account (sandbox): connect its WhatsApp sender to sync templates",
        )
    try:
        result = sync_templates(supabase, settings, store_id, account.account_sid, account.auth_token)
    except (TwilioRefused, TwilioUnavailable) as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(error)) from error
    return TemplateSync(
        added=result.added,
        updated=result.updated,
        removed=result.removed,
        unchanged=result.unchanged,
        skipped=result.skipped,
        templates=store_settings.templates(supabase, store_id),
    )
