"""Segments through their SQL functions: rules are validated and evaluated in the database, so a bad
rule is refused (22023, naming where it is) before anything is stored."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, TypeAdapter
from supabase import Client

from sapa.db import rows


class SegmentCount(BaseModel):
    id: uuid.UUID
    count: int


class SegmentMember(BaseModel):
    id: uuid.UUID
    name: str | None
    phone: str | None
    opted_in: bool | None = None


class SegmentPreview(BaseModel):
    count: int
    sample: list[SegmentMember]


class SegmentMembers(BaseModel):
    count: int
    members: list[SegmentMember]


class SegmentPreset(BaseModel):
    key: str
    name: str
    description: str
    rules: dict[str, Any]


_presets = TypeAdapter(list[SegmentPreset])


def create_segment(
    supabase: Client, store_id: uuid.UUID, actor_id: uuid.UUID, name: str, rules: dict[str, Any]
) -> SegmentCount:
    params = {"p_store_id": str(store_id), "p_actor_id": str(actor_id), "p_name": name, "p_rules": rules}
    return SegmentCount.model_validate(supabase.rpc("create_segment", params).execute().data)


def update_segment(
    supabase: Client,
    store_id: uuid.UUID,
    actor_id: uuid.UUID,
    segment_id: uuid.UUID,
    name: str,
    rules: dict[str, Any],
) -> SegmentCount:
    params = {
        "p_store_id": str(store_id),
        "p_actor_id": str(actor_id),
        "p_segment_id": str(segment_id),
        "p_name": name,
        "p_rules": rules,
    }
    return SegmentCount.model_validate(supabase.rpc("update_segment", params).execute().data)


def delete_segment(supabase: Client, store_id: uuid.UUID, actor_id: uuid.UUID, segment_id: uuid.UUID) -> None:
    params = {"p_store_id": str(store_id), "p_actor_id": str(actor_id), "p_segment_id": str(segment_id)}
    supabase.rpc("delete_segment", params).execute()


def preview_segment(
    supabase: Client, store_id: uuid.UUID, rules: dict[str, Any], sample: int = 10
) -> SegmentPreview:
    params = {"p_store_id": str(store_id), "p_rules": rules, "p_sample": sample}
    return SegmentPreview.model_validate(supabase.rpc("preview_segment", params).execute().data)


def segment_members(
    supabase: Client, store_id: uuid.UUID, segment_id: uuid.UUID, limit: int, offset: int
) -> SegmentMembers:
    params = {
        "p_store_id": str(store_id),
        "p_segment_id": str(segment_id),
        "p_limit": limit,
        "p_offset": offset,
    }
    return SegmentMembers.model_validate(supabase.rpc("segment_members", params).execute().data)


def segment_presets(supabase: Client) -> list[SegmentPreset]:
    return _presets.validate_python(rows(supabase.rpc("segment_presets").execute().data))
