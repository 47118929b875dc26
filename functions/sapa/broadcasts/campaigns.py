"""Broadcasts as the dashboard drives them: create (with the recipient list and who is skipped and
why), preview, send, pause, cancel, and the report. The SQL functions check the caller's role and
every rule; they refuse with a SQLSTATE the API turns into 4xx."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from supabase import Client

BroadcastStatus = Literal["draft", "scheduled", "sending", "paused", "completed", "cancelled"]
_STATUS: TypeAdapter[BroadcastStatus] = TypeAdapter(BroadcastStatus)


class BroadcastCreated(BaseModel):
    id: uuid.UUID
    recipients: int
    """Customers the broadcast will be sent to."""
    skipped: int
    """Customers of the segment who will not receive it."""
    skipped_by_reason: dict[str, int]
    """no_consent, opted_out, no_valid_number, frequency_cap."""


class BroadcastCounts(BaseModel):
    total: int
    queued: int
    sent: int
    delivered: int
    read: int
    failed: int
    skipped: int


class BroadcastReport(BaseModel):
    id: uuid.UUID
    name: str
    status: BroadcastStatus
    template_id: uuid.UUID
    segment_id: uuid.UUID | None
    variables: dict[str, str]
    send_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    counts: BroadcastCounts
    replies: int
    orders: int
    revenue: Decimal
    currency: str


class PreviewMessage(BaseModel):
    customer_id: uuid.UUID
    name: str | None
    phone: str | None
    body: str


class SkippedCustomer(BaseModel):
    customer_id: uuid.UUID
    name: str | None
    phone: str | None
    reason: str


class BroadcastPreview(BaseModel):
    recipients: int
    skipped: int
    skipped_by_reason: dict[str, int]
    template: dict[str, Any]
    messages: list[PreviewMessage]
    skipped_customers: list[SkippedCustomer]


def create_broadcast(
    supabase: Client,
    store_id: uuid.UUID,
    actor_id: uuid.UUID,
    *,
    name: str,
    template_id: uuid.UUID,
    segment_id: uuid.UUID | None,
    variables: dict[str, str],
    send_at: datetime | None,
) -> BroadcastCreated:
    params = {
        "p_store_id": str(store_id),
        "p_actor_id": str(actor_id),
        "p_name": name,
        "p_template_id": str(template_id),
        "p_segment_id": str(segment_id) if segment_id else None,
        "p_variables": variables,
        "p_send_at": send_at.isoformat() if send_at else None,
    }
    return BroadcastCreated.model_validate(supabase.rpc("create_broadcast", params).execute().data)


def change_broadcast(
    supabase: Client,
    store_id: uuid.UUID,
    actor_id: uuid.UUID,
    broadcast_id: uuid.UUID,
    action: Literal["send", "pause", "cancel"],
) -> BroadcastStatus:
    """send, pause or cancel; returns the broadcast's status afterwards."""
    params = {"p_store_id": str(store_id), "p_actor_id": str(actor_id), "p_broadcast_id": str(broadcast_id)}
    return _STATUS.validate_python(supabase.rpc(f"{action}_broadcast", params).execute().data)


def broadcast_report(supabase: Client, store_id: uuid.UUID, broadcast_id: uuid.UUID) -> BroadcastReport:
    params = {"p_store_id": str(store_id), "p_broadcast_id": str(broadcast_id)}
    return BroadcastReport.model_validate(supabase.rpc("broadcast_report", params).execute().data)


def preview_broadcast(supabase: Client, store_id: uuid.UUID, broadcast_id: uuid.UUID) -> BroadcastPreview:
    params = {"p_store_id": str(store_id), "p_broadcast_id": str(broadcast_id)}
    return BroadcastPreview.model_validate(supabase.rpc("preview_broadcast", params).execute().data)
