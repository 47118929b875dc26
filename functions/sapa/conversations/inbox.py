"""What an agent does to a conversation from the inbox: take over, hand back, resolve, assign, note.

Each action is one SQL function (migration 20261123000009_inbox.sql) that checks the actor's membership,
changes the state and appends the audit entry in one transaction. Database refusals come back as
postgrest APIErrors carrying the SQLSTATE (P0002 not found, 42501 not allowed, 55000 resolved,
22023 invalid value); the API turns them into HTTP statuses."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from supabase import Client

from sapa.conversations.records import ConversationPublic, MemberPublic, NotePublic
from sapa.db import rows

ConversationAction = Literal["take_over", "hand_back", "resolve"]
_ACTION_FUNCTIONS: dict[ConversationAction, str] = {
    "take_over": "take_over_conversation",
    "hand_back": "hand_back_conversation",
    "resolve": "resolve_conversation",
}


def _call(supabase: Client, function: str, params: dict[str, Any]) -> Any:
    return supabase.rpc(function, params).execute().data


def _ids(store_id: uuid.UUID, conversation_id: uuid.UUID, actor_id: uuid.UUID) -> dict[str, Any]:
    return {
        "p_store_id": str(store_id),
        "p_conversation_id": str(conversation_id),
        "p_actor_id": str(actor_id),
    }


def act_on_conversation(
    supabase: Client,
    action: ConversationAction,
    *,
    store_id: uuid.UUID,
    conversation_id: uuid.UUID,
    actor_id: uuid.UUID,
) -> ConversationPublic:
    """take_over: status human, assigned to the actor; hand_back: status bot, unassigned; resolve:
    resolved by a person (open tickets stay open). Repeating an action changes and audits nothing."""
    data = _call(supabase, _ACTION_FUNCTIONS[action], _ids(store_id, conversation_id, actor_id))
    return ConversationPublic.model_validate(data)


def assign_conversation(
    supabase: Client,
    *,
    store_id: uuid.UUID,
    conversation_id: uuid.UUID,
    actor_id: uuid.UUID,
    assignee_id: uuid.UUID | None,
) -> ConversationPublic:
    params = _ids(store_id, conversation_id, actor_id) | {
        "p_assignee_id": str(assignee_id) if assignee_id else None
    }
    return ConversationPublic.model_validate(_call(supabase, "assign_conversation", params))


def add_note(
    supabase: Client, *, store_id: uuid.UUID, conversation_id: uuid.UUID, actor_id: uuid.UUID, body: str
) -> NotePublic:
    """A private note for the team. Notes live in their own table: nothing ever sends them."""
    params = _ids(store_id, conversation_id, actor_id) | {"p_body": body}
    return NotePublic.model_validate(_call(supabase, "add_conversation_note", params))


def store_team(supabase: Client, store_id: uuid.UUID) -> list[MemberPublic]:
    found = rows(_call(supabase, "store_team", {"p_store_id": str(store_id)}))
    return [MemberPublic.model_validate(row) for row in found]
