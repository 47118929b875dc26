"""The store's approved WhatsApp templates: what the composer offers outside the 24-hour window.

GET /api/stores/{store_id}/templates → 200 [{"id", "name", "content_sid", "language", "body",
"variables": ["1", "2"]}] (body with {{1}}, {{2}} placeholders; send one with POST .../messages
{"content_sid", "variables": {"1": ..., "2": ...}}). 401/403 as everywhere."""

from __future__ import annotations

from fastapi import APIRouter

from sapa.api.deps import StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.conversations.records import TemplatePublic
from sapa.conversations.templates import approved_templates

router = APIRouter(prefix="/api/stores/{store_id}", tags=["inbox"], responses=AUTH_RESPONSES)


@router.get("/templates", response_model=list[TemplatePublic])
def list_templates(member: StoreMember, supabase: SupabaseDep) -> list[TemplatePublic]:
    return approved_templates(supabase, member.store_id)
