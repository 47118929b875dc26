"""Agent actions on a conversation: take over, hand back, resolve, assign.

POST /api/stores/{store_id}/conversations/{conversation_id}/take-over   → the conversation
POST /api/stores/{store_id}/conversations/{conversation_id}/hand-back   → the conversation
POST /api/stores/{store_id}/conversations/{conversation_id}/resolve     → the conversation
POST /api/stores/{store_id}/conversations/{conversation_id}/assign      {"assignee_id": uuid | null}

Every route needs `Authorization: Bearer <Supabase access token>` of a member of the store (401
without a valid token, 403 for a non-member). 404: the store has no such conversation; 409: it is
resolved (take-over, hand-back, assign); 403 on assign: agents may only assign themselves or let go of
their own conversation, owners and admins assign anyone; 422: the assignee is not a member. Repeating an
action returns the conversation unchanged (no second audit entry)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from sapa.api.deps import ReplyQueueDep, StoreMember, SupabaseDep
from sapa.api.routes._errors import AUTH_RESPONSES, refusals_as_http_errors
from sapa.api.routes._follow_up import summarize_if_due
from sapa.conversations.inbox import ConversationAction, act_on_conversation, assign_conversation
from sapa.conversations.records import ConversationPublic

router = APIRouter(prefix="/api/stores/{store_id}/conversations", tags=["inbox"], responses=AUTH_RESPONSES)

ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "The store has no such conversation"},
    409: {"description": "The conversation is resolved"},
}


class AssignmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee_id: uuid.UUID | None
    """A member of the store, or null to unassign."""


def _act(
    action: ConversationAction, member: StoreMember, conversation_id: uuid.UUID, supabase: SupabaseDep
) -> ConversationPublic:
    with refusals_as_http_errors():
        return act_on_conversation(
            supabase,
            action,
            store_id=member.store_id,
            conversation_id=conversation_id,
            actor_id=member.user_id,
        )


@router.post("/{conversation_id}/take-over", response_model=ConversationPublic, responses=ERRORS)
def take_over(
    conversation_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep, queue: ReplyQueueDep
) -> ConversationPublic:
    """A person answers from now on: status human, assigned to the caller (the bot stays silent)."""
    conversation = _act("take_over", member, conversation_id, supabase)
    summarize_if_due(supabase, queue, conversation.id)  # a handoff is a meaningful change
    return conversation


@router.post("/{conversation_id}/hand-back", response_model=ConversationPublic, responses=ERRORS)
def hand_back(conversation_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> ConversationPublic:
    """The bot answers again: status bot, unassigned."""
    return _act("hand_back", member, conversation_id, supabase)


@router.post("/{conversation_id}/resolve", response_model=ConversationPublic, responses=ERRORS)
def resolve(conversation_id: uuid.UUID, member: StoreMember, supabase: SupabaseDep) -> ConversationPublic:
    """Resolved by a person (resolution human). Open tickets stay open; a new customer message opens a
    new conversation."""
    return _act("resolve", member, conversation_id, supabase)


@router.post(
    "/{conversation_id}/assign",
    response_model=ConversationPublic,
    responses=ERRORS | {422: {"description": "The assignee is not a member of the store"}},
)
def assign(
    conversation_id: uuid.UUID, assignment: AssignmentUpdate, member: StoreMember, supabase: SupabaseDep
) -> ConversationPublic:
    """Who owns the conversation; the status does not change (taking over is its own action)."""
    with refusals_as_http_errors():
        return assign_conversation(
            supabase,
            store_id=member.store_id,
            conversation_id=conversation_id,
            actor_id=member.user_id,
            assignee_id=assignment.assignee_id,
        )
