"""The whole store as one archive, for its owners (taking their data with them).

POST /api/stores/{store_id}/backups → 202 the backup (status "working"); a `store_backup` job on the
     background lane (the background function on AWS, 600 s; a thread locally) writes the archive (see
     sapa.privacy.backup) to object storage and marks it "ready" or "failed".
GET  /api/stores/{store_id}/backups → the store's backups, newest first (at most 20).
GET  /api/stores/{store_id}/backups/{backup_id} → the backup; when ready with a download link that works
     for LINK_SECONDS. Owners only (403 for admins and agents); 404 for another store's backup."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, TypeAdapter

from sapa.api.auth import Membership, require_role
from sapa.api.deps import ReplyQueueDep, SettingsDep, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.db import Row, rows
from sapa.jobs.queue import store_backup_job
from sapa.knowledge.storage import ObjectStore, object_store

router = APIRouter(prefix="/api/stores/{store_id}/backups", tags=["privacy"], responses=AUTH_RESPONSES)
StoreOwner = Annotated[Membership, Depends(require_role("owner"))]
_ROW: TypeAdapter[Row] = TypeAdapter(Row)
LINK_SECONDS = 900
"""A download link works for 15 minutes: enough for a large archive to start, short enough to die soon."""


class StoreBackup(BaseModel):
    id: uuid.UUID
    status: Literal["working", "ready", "failed"]
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    size_bytes: int | None = None
    manifest: dict[str, Any] | None = None
    error: str | None = None
    url: str | None = None
    expires_in: int | None = None


def _public(row: Row, objects: ObjectStore | None = None) -> StoreBackup:
    backup = StoreBackup.model_validate(row)
    if objects is not None and row["status"] == "ready":
        backup.url = objects.presigned_url(row["storage_key"], LINK_SECONDS)
        backup.expires_in = LINK_SECONDS
    return backup


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=StoreBackup)
def request_backup(owner: StoreOwner, supabase: SupabaseDep, queue: ReplyQueueDep) -> StoreBackup:
    params = {"p_store_id": str(owner.store_id), "p_actor_id": str(owner.user_id)}
    with refusals_as_http_errors():
        row = _ROW.validate_python(supabase.rpc("request_store_backup", params).execute().data)
    queue.enqueue(store_backup_job(str(owner.store_id), row["id"]))
    return _public(row)


@router.get("", response_model=list[StoreBackup])
def list_backups(owner: StoreOwner, supabase: SupabaseDep) -> list[StoreBackup]:
    found = rows(
        supabase.table("store_backups")
        .select("*")
        .eq("store_id", str(owner.store_id))
        .order("created_at", desc=True)
        .limit(20)
        .execute()
        .data
    )
    return [_public(row) for row in found]


@router.get("/{backup_id}", response_model=StoreBackup, responses={404: {"description": "No such backup"}})
def get_backup(
    backup_id: uuid.UUID, owner: StoreOwner, supabase: SupabaseDep, settings: SettingsDep
) -> StoreBackup:
    found = rows(
        supabase.table("store_backups")
        .select("*")
        .eq("store_id", str(owner.store_id))
        .eq("id", str(backup_id))
        .limit(1)
        .execute()
        .data
    )
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this store has no such backup")
    return _public(found[0], object_store(settings))
