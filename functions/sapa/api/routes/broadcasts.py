"""Broadcasts (owners and admins create and send; members read).

POST /api/stores/{store_id}/broadcasts {"name", "template_id", "segment_id" | null (every customer with
     marketing consent), "variables": {"1": "Halo {{first_name}}", ...}, "send_at": ISO-8601 | null}
     → 201 {"id", "recipients", "skipped", "skipped_by_reason"} (a draft: nothing is sent yet)
GET  /api/stores/{store_id}/broadcasts/{id} → {"status", "counts": {"total", "queued", "sent", "delivered",
     "read", "failed", "skipped"}, "replies", "orders", "revenue", ...}
GET  /api/stores/{store_id}/broadcasts/{id}/preview → the message as the first recipients read it, counts,
     and the skipped customers with their reasons
POST /api/stores/{store_id}/broadcasts/{id}/send | /pause | /cancel → {"status"}
422: a bad template, segment, variable or send_at (the message says which); 409: cancelled or completed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.deps import StoreAdmin, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.broadcasts.campaigns import (
    BroadcastCreated,
    BroadcastPreview,
    BroadcastReport,
    BroadcastStatus,
    broadcast_report,
    change_broadcast,
    create_broadcast,
    preview_broadcast,
)
from sapa.broadcasts.errors import refusals

router = APIRouter(prefix="/api/stores/{store_id}/broadcasts", tags=["broadcasts"], responses=AUTH_RESPONSES)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "The store has no such broadcast"}}


class BroadcastCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    template_id: uuid.UUID
    segment_id: uuid.UUID | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    send_at: datetime | None = None


class BroadcastState(BaseModel):
    status: BroadcastStatus


@router.post(
    "",
    response_model=BroadcastCreated,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "A bad template, segment, variable or send_at"}},
)
def create(broadcast: BroadcastCreate, admin: StoreAdmin, supabase: SupabaseDep) -> BroadcastCreated:
    with refusals():
        return create_broadcast(
            supabase,
            admin.store_id,
            admin.user_id,
            name=broadcast.name,
            template_id=broadcast.template_id,
            segment_id=broadcast.segment_id,
            variables=broadcast.variables,
            send_at=broadcast.send_at,
        )


@router.get("/{broadcast_id}", response_model=BroadcastReport, responses=NOT_FOUND)
def report(broadcast_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> BroadcastReport:
    with refusals():
        return broadcast_report(supabase, member.store_id, broadcast_id)


@router.get("/{broadcast_id}/preview", response_model=BroadcastPreview, responses=NOT_FOUND)
def preview(broadcast_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> BroadcastPreview:
    with refusals():
        return preview_broadcast(supabase, member.store_id, broadcast_id)


def _change(
    action: Literal["send", "pause", "cancel"],
    broadcast_id: uuid.UUID,
    admin: StoreAdmin,
    supabase: SupabaseDep,
) -> BroadcastState:
    with refusals():
        return BroadcastState(
            status=change_broadcast(supabase, admin.store_id, admin.user_id, broadcast_id, action)
        )


CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = NOT_FOUND | {
    409: {"description": "Cancelled or completed already"}
}


@router.post("/{broadcast_id}/send", response_model=BroadcastState, responses=CHANGE_RESPONSES)
def send(broadcast_id: uuid.UUID, admin: StoreAdmin, supabase: SupabaseDep) -> BroadcastState:
    """Send now, or at send_at (scheduled). Sending again changes nothing and sends nobody twice."""
    return _change("send", broadcast_id, admin, supabase)


@router.post("/{broadcast_id}/pause", response_model=BroadcastState, responses=CHANGE_RESPONSES)
def pause(broadcast_id: uuid.UUID, admin: StoreAdmin, supabase: SupabaseDep) -> BroadcastState:
    return _change("pause", broadcast_id, admin, supabase)


@router.post("/{broadcast_id}/cancel", response_model=BroadcastState, responses=CHANGE_RESPONSES)
def cancel(broadcast_id: uuid.UUID, admin: StoreAdmin, supabase: SupabaseDep) -> BroadcastState:
    return _change("cancel", broadcast_id, admin, supabase)
