"""Segments of a store's customers (owners and admins save them; members read).

POST /api/stores/{store_id}/segments {"name", "rules"} → 201 {"id", "count"}
PUT  /api/stores/{store_id}/segments/{id} {"name", "rules"} → 200 {"id", "count"}
DELETE /api/stores/{store_id}/segments/{id} → 204
POST /api/stores/{store_id}/segments/preview {"rules", "sample"} → 200 {"count", "sample": [...]} (the
     editor calls it as rules change; nothing stored)
GET  /api/stores/{store_id}/segments/presets → the ready-made RFM segments with their rules
GET  /api/stores/{store_id}/segments/{id}/members?limit=&offset= → {"count", "members": [...]}
Bad rules → 422 with where and why ("rules.all[1].op: ..."), nothing stored; a name in use → 409."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.deps import StoreAdmin, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.broadcasts.errors import refusals
from sapa.broadcasts.segments import (
    SegmentCount,
    SegmentMembers,
    SegmentPreset,
    SegmentPreview,
    create_segment,
    delete_segment,
    preview_segment,
    segment_members,
    segment_presets,
    update_segment,
)

router = APIRouter(prefix="/api/stores/{store_id}/segments", tags=["segments"], responses=AUTH_RESPONSES)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such segment"}}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "The rules are not valid (the message says where and why)"}
}


class SegmentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    rules: dict[str, Any]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: dict[str, Any]
    sample: int = Field(default=10, ge=0, le=100)


@router.post("", response_model=SegmentCount, status_code=status.HTTP_201_CREATED, responses=REFUSED)
def create(segment: SegmentWrite, admin: StoreAdmin, supabase: SupabaseDep) -> SegmentCount:
    with refusals():
        return create_segment(supabase, admin.store_id, admin.user_id, segment.name, segment.rules)


@router.post("/preview", response_model=SegmentPreview, responses=REFUSED)
def preview(request: PreviewRequest, member: StoreMember, supabase: SupabaseDep) -> SegmentPreview:
    with refusals():
        return preview_segment(supabase, member.store_id, request.rules, request.sample)


@router.get("/presets", response_model=list[SegmentPreset])
def presets(member: StoreMember, supabase: SupabaseDep) -> list[SegmentPreset]:
    return segment_presets(supabase)


@router.put("/{segment_id}", response_model=SegmentCount, responses=REFUSED)
def update(
    segment_id: uuid.UUID, segment: SegmentWrite, admin: StoreAdmin, supabase: SupabaseDep
) -> SegmentCount:
    with refusals():
        return update_segment(
            supabase, admin.store_id, admin.user_id, segment_id, segment.name, segment.rules
        )


@router.delete("/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete(segment_id: uuid.UUID, admin: StoreAdmin, supabase: SupabaseDep) -> Response:
    with refusals():
        delete_segment(supabase, admin.store_id, admin.user_id, segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{segment_id}/members",
    response_model=SegmentMembers,
    responses=NOT_FOUND,
)
def members(
    segment_id: uuid.UUID,
    member: StoreMember,
    supabase: SupabaseDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SegmentMembers:
    with refusals():
        return segment_members(supabase, member.store_id, segment_id, limit, offset)
