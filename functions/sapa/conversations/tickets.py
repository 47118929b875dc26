"""Tickets from the inbox: escalations that need follow-up beyond the chat. Opened on a conversation,
then worked (status, priority, subject, assignee); every change audited in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from supabase import Client

from sapa.conversations.records import TicketPriority, TicketPublic


def open_ticket(
    supabase: Client,
    *,
    store_id: uuid.UUID,
    conversation_id: uuid.UUID,
    actor_id: uuid.UUID,
    subject: str,
    priority: TicketPriority,
    assignee_id: uuid.UUID | None,
) -> TicketPublic:
    params = {
        "p_store_id": str(store_id),
        "p_conversation_id": str(conversation_id),
        "p_actor_id": str(actor_id),
        "p_subject": subject,
        "p_priority": priority,
        "p_assignee_id": str(assignee_id) if assignee_id else None,
    }
    return TicketPublic.model_validate(supabase.rpc("open_ticket", params).execute().data)


def update_ticket(
    supabase: Client,
    *,
    store_id: uuid.UUID,
    ticket_id: uuid.UUID,
    actor_id: uuid.UUID,
    changes: dict[str, Any],
) -> TicketPublic:
    """`changes` holds only what changes (status, priority, subject, assignee_id; None unassigns)."""
    params = {
        "p_store_id": str(store_id),
        "p_ticket_id": str(ticket_id),
        "p_actor_id": str(actor_id),
        "p_changes": changes,
    }
    return TicketPublic.model_validate(supabase.rpc("update_ticket", params).execute().data)
