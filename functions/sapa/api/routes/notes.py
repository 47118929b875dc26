"""Private notes on a conversation: for the team only, never sent to the customer.

POST /api/stores/{store_id}/conversations/{conversation_id}/notes {"body": "..."} → 201 the note
(1-4000 characters). 401/403 as everywhere; 404: the store has no such conversation. Members read
notes through the API under RLS (table conversation_notes) and receive them live on store:<id>."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from sapa.api.deps import StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.conversations.inbox import add_note
from sapa.conversations.records import NotePublic

router = APIRouter(prefix="/api/stores/{store_id}/conversations", tags=["inbox"], responses=AUTH_RESPONSES)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=4000)


@router.post(
    "/{conversation_id}/notes",
    response_model=NotePublic,
    status_code=status.HTTP_201_CREATED,
    responses={404: {"description": "The store has no such conversation"}},
)
def create_note(
    conversation_id: uuid.UUID, note: NoteCreate, member: StoreMember, supabase: SupabaseDep
) -> NotePublic:
    with refusals_as_http_errors():
        return add_note(
            supabase,
            store_id=member.store_id,
            conversation_id=conversation_id,
            actor_id=member.user_id,
            body=note.body,
        )
