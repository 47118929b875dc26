"""One customer's data: export (a zip) and erase, for the store's owners (GDPR requests), and the same
for the shop's WordPress privacy tools through the store API key, by e-mail address.

GET  /api/stores/{store_id}/customers/{customer_id}/export → application/zip: customer.json (every table
     that holds the customer's data), one CSV per table, media/… (the attachments Sapa kept).
POST /api/stores/{store_id}/customers/{customer_id}/erase → 200 {"erased": {table: rows}}.
Owners only (403 for admins and agents; 401 without a token); 404 when the store has no such customer.
Each writes an audit row (customer.exported / customer.erased).

GET  /stores/me/customers/export?email=… (Bearer store API key)
     → {"customers": [{"id", "data": {table: rows}}]}
POST /stores/me/customers/erase {"email"} → {"customers": [{"id", "erased": {table: rows}}]}
Found by the customer row's e-mail or their orders' billing e-mail; none found is an empty list."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.auth import Membership, require_role
from sapa.api.deps import SettingsDep, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.api.routes.stores import ApiKeyStore
from sapa.knowledge.storage import object_store
from sapa.privacy import customer

router = APIRouter(tags=["privacy"])
StoreOwner = Annotated[Membership, Depends(require_role("owner"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "The store has no such customer"}}


class Erased(BaseModel):
    erased: dict[str, int]


@router.get(
    "/api/stores/{store_id}/customers/{customer_id}/export",
    response_class=Response,
    responses={**AUTH_RESPONSES, **NOT_FOUND, 200: {"content": {"application/zip": {}}}},
)
def export_customer(
    customer_id: uuid.UUID, owner: StoreOwner, supabase: SupabaseDep, settings: SettingsDep
) -> Response:
    with refusals_as_http_errors():
        tables = customer.export_tables(supabase, owner.store_id, customer_id, owner.user_id, "dashboard")
    data = customer.export_zip(tables, object_store(settings))
    filename = f"sapa-customer-{customer_id}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post(
    "/api/stores/{store_id}/customers/{customer_id}/erase",
    response_model=Erased,
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def erase_customer(
    customer_id: uuid.UUID, owner: StoreOwner, supabase: SupabaseDep, settings: SettingsDep
) -> Erased:
    with refusals_as_http_errors():
        erased = customer.erase(
            supabase, object_store(settings), owner.store_id, customer_id, owner.user_id, "dashboard"
        )
    return Erased(erased=erased)


class CustomerExport(BaseModel):
    id: uuid.UUID
    data: dict[str, list[dict[str, Any]]]


class CustomerErased(BaseModel):
    id: uuid.UUID
    erased: dict[str, int]


class PluginExport(BaseModel):
    customers: list[CustomerExport]


class PluginErase(BaseModel):
    customers: list[CustomerErased]


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN)]


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email


@router.get("/stores/me/customers/export", response_model=PluginExport, tags=["stores"])
def plugin_export(
    store_id: ApiKeyStore,
    supabase: SupabaseDep,
    email: Annotated[str, Query(min_length=3, max_length=320, pattern=EMAIL_PATTERN)],
) -> PluginExport:
    store = uuid.UUID(store_id)
    found = customer.customers_by_email(supabase, store, email)
    return PluginExport(
        customers=[
            CustomerExport(
                id=found_id, data=customer.export_tables(supabase, store, found_id, None, "wordpress")
            )
            for found_id in found
        ]
    )


@router.post("/stores/me/customers/erase", response_model=PluginErase, tags=["stores"])
def plugin_erase(
    store_id: ApiKeyStore, supabase: SupabaseDep, settings: SettingsDep, body: EraseRequest
) -> PluginErase:
    store = uuid.UUID(store_id)
    objects = object_store(settings)
    found = customer.customers_by_email(supabase, store, body.email)
    return PluginErase(
        customers=[
            CustomerErased(
                id=found_id, erased=customer.erase(supabase, objects, store, found_id, None, "wordpress")
            )
            for found_id in found
        ]
    )
