"""The store's team, with names and e-mail addresses (auth.users is not readable through PostgREST):
whom a conversation or ticket can be assigned to.

GET /api/stores/{store_id}/members → 200 [{"user_id", "role": "owner|admin|agent", "email",
"full_name"}], owners first. 401/403 as everywhere."""

from __future__ import annotations

from fastapi import APIRouter

from sapa.api.deps import StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES
from sapa.conversations.inbox import store_team
from sapa.conversations.records import MemberPublic

router = APIRouter(prefix="/api/stores/{store_id}", tags=["inbox"], responses=AUTH_RESPONSES)


@router.get("/members", response_model=list[MemberPublic])
def list_members(member: StoreMember, supabase: SupabaseDep) -> list[MemberPublic]:
    return store_team(supabase, member.store_id)
