"""The store API the WordPress plugin calls (WOO_CONTRACT.md): POST /stores/connect with the operator's
connect token (also to connect a connected shop again); then, with the store's API key as a Bearer
token, GET /stores/me (with the webhooks' health), POST /stores/me/sync, PUT /stores/me/whatsapp and
DELETE /stores/me (204 once; the revoked key then gets 401)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sapa.api.deps import ReplyQueueDep, SettingsDep, SupabaseDep
from sapa.api.routes.twilio import public_url
from sapa.commerce.woocommerce.backfill import orders_after
from sapa.jobs.queue import backfill_job
from sapa.stores import storage
from sapa.stores.connect import StoreApiError, StoreDeps, change_whatsapp, connect_store, disconnect_store
from sapa.stores.keys import key_hash, looks_like_api_key
from sapa.stores.models import StoreConnect, StoreConnected, StorePublic, SyncStatus, WhatsAppSender
from sapa.team.service import owner_invitation

router = APIRouter(prefix="/stores", tags=["stores"])
CONNECT_TOKEN_HEADER = "X-Sapa-Connect-Token"  # noqa: S105 (a header name)
_bearer = HTTPBearer(auto_error=False)


def store_deps(
    request: Request, settings: SettingsDep, supabase: SupabaseDep, queue: ReplyQueueDep
) -> StoreDeps:
    """Webhooks go to the configured public base URL, else to the URL the plugin called (the "Sapa API
    URL" the owner entered)."""
    called = public_url(request, settings.public_base_url).split("?")[0]
    base_url = called.removesuffix(request.url.path).rstrip("/")
    return StoreDeps(supabase=supabase, settings=settings, enqueue=queue.enqueue, base_url=base_url)


StoreDepsDep = Annotated[StoreDeps, Depends(store_deps)]


def require_connect_token(
    settings: SettingsDep, token: Annotated[str | None, Header(alias=CONNECT_TOKEN_HEADER)] = None
) -> None:
    if settings.connect_token is None or not settings.connect_token.get_secret_value():
        raise HTTPException(status.HTTP_403_FORBIDDEN, "store registration is closed on this Sapa server")
    expected = settings.connect_token.get_secret_value().encode()
    if not token or not hmac.compare_digest(token.encode(), expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid connect token")


def api_key_store(
    supabase: SupabaseDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The store whose live API key is the Bearer token; 401 saying which of missing, unknown or revoked
    otherwise (a second Disconnect gets "revoked", so the plugin can say the shop is not connected)."""
    if credentials is None:
        why = "missing API key: send the store's Sapa API key as Authorization: Bearer sapa_sk_..."
    elif not looks_like_api_key(credentials.credentials):
        why = "not a Sapa API key"
    else:
        found = storage.api_key(supabase, key_hash(credentials.credentials))
        if found is not None and found.revoked_at is None:
            return found.store_id
        why = (
            "this API key was revoked: the shop was disconnected from Sapa, or connected again with a new key"
            if found is not None
            else "unknown API key: this Sapa server never issued it"
        )
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, why, {"WWW-Authenticate": "Bearer"})


ApiKeyStore = Annotated[str, Depends(api_key_store)]


@router.post(
    "/connect",
    status_code=status.HTTP_201_CREATED,
    response_model=StoreConnected,
    dependencies=[Depends(require_connect_token)],
    responses={200: {"model": StoreConnected, "description": "a connected shop connected again"}},
)
def connect(body: StoreConnect, deps: StoreDepsDep, response: Response) -> StoreConnected:
    """201 for a new connection; 200 with `reconnected: true` for a shop that was connected already
    (new WooCommerce key verified against the shop, old webhooks and API key replaced)."""
    try:
        connected = connect_store(deps, body)
    except StoreApiError as error:
        raise HTTPException(error.status_code, error.detail) from error
    if connected.reconnected:
        response.status_code = status.HTTP_200_OK
    return connected


@router.get("/me", response_model=StorePublic)
def me(store_id: ApiKeyStore, supabase: SupabaseDep, settings: SettingsDep) -> StorePublic:
    """With the owner's invitation (accepted or not) and the dashboard's address for "Open Sapa"."""
    store = storage.store_public(supabase, store_id)
    owner = owner_invitation(supabase, store_id)
    return store.model_copy(update={"owner": owner, "dashboard_url": settings.dashboard_url})


@router.post("/me/sync", status_code=status.HTTP_202_ACCEPTED, response_model=SyncStatus)
def sync(store_id: ApiKeyStore, supabase: SupabaseDep, queue: ReplyQueueDep) -> SyncStatus:
    if storage.start_sync(supabase, store_id, orders_after()):
        queue.enqueue(backfill_job(store_id))
    return storage.sync_status(supabase, store_id)


@router.put("/me/whatsapp", response_model=StorePublic)
def whatsapp(
    store_id: ApiKeyStore, sender: Annotated[WhatsAppSender, Body()], deps: StoreDepsDep
) -> StorePublic:
    try:
        return change_whatsapp(deps, store_id, sender)
    except StoreApiError as error:
        raise HTTPException(error.status_code, error.detail) from error


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def disconnect(store_id: ApiKeyStore, deps: StoreDepsDep) -> Response:
    disconnect_store(deps, store_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
