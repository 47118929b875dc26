"""Tickets: escalations that need follow-up beyond the chat.

POST  /api/stores/{store_id}/conversations/{conversation_id}/tickets
      {"subject": "...", "priority": "low|normal|high|urgent" (default normal), "assignee_id": uuid | null}
      → 201 the ticket (status open)
PATCH /api/stores/{store_id}/tickets/{ticket_id}
      any of {"status": "open|pending|resolved", "priority": ..., "subject": ..., "assignee_id": uuid | null}
      → 200 the ticket. Only the fields sent change; "assignee_id": null unassigns. Resolving stamps
      resolved_at, reopening clears it.

401/403 as everywhere; 404: the store has no such conversation or ticket; 422: the assignee is not a
member of the store, or nothing to change."""

from __future__ import annotations

import uuid
from typing import Any, Self

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sapa.api.deps import StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.conversations.records import TicketPriority, TicketPublic, TicketStatus
from sapa.conversations.tickets import open_ticket, update_ticket

router = APIRouter(prefix="/api/stores/{store_id}", tags=["inbox"], responses=AUTH_RESPONSES)

ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "The store has no such conversation or ticket"},
    422: {"description": "Invalid fields, or the assignee is not a member of the store"},
}


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(min_length=1, max_length=300)
    priority: TicketPriority = "normal"
    assignee_id: uuid.UUID | None = None


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=300)
    assignee_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("name at least one of status, priority, subject, assignee_id")
        for name in ("status", "priority", "subject"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as JSON (an explicit null assignee unassigns)."""
        return self.model_dump(mode="json", include=self.model_fields_set)


@router.post(
    "/conversations/{conversation_id}/tickets",
    response_model=TicketPublic,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
def create_ticket(
    conversation_id: uuid.UUID, ticket: TicketCreate, member: StoreMember, supabase: SupabaseDep
) -> TicketPublic:
    with refusals_as_http_errors():
        return open_ticket(
            supabase,
            store_id=member.store_id,
            conversation_id=conversation_id,
            actor_id=member.user_id,
            subject=ticket.subject,
            priority=ticket.priority,
            assignee_id=ticket.assignee_id,
        )


@router.patch("/tickets/{ticket_id}", response_model=TicketPublic, responses=ERRORS)
def change_ticket(
    ticket_id: uuid.UUID, change: TicketUpdate, member: StoreMember, supabase: SupabaseDep
) -> TicketPublic:
    with refusals_as_http_errors():
        return update_ticket(
            supabase,
            store_id=member.store_id,
            ticket_id=ticket_id,
            actor_id=member.user_id,
            changes=change.changes(),
        )
