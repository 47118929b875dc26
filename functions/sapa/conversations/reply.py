"""The bot's reply to one inbound message: claim → (skip | answer) → store → send → finish.

Idempotent end to end: `claim_reply` lets one worker at a time work on a message and none after it is
done; `record_bot_reply` stores the parts once, so a retry after a crash sends the stored parts that
have not gone out instead of asking the assistant again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from supabase import Client

from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantReply, AssistantRequest, Turn
from sapa.conversations.outbound import MessageSender, destination_of, send_stored_message
from sapa.db import one_row, rows
from sapa.settings import Settings

logger = logging.getLogger(__name__)

HISTORY_MESSAGES = 20
Outcome = Literal["done", "skipped"]
AnswerFunction = Callable[[AssistantRequest, ShopData, Settings], AssistantReply]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReplyDeps:
    supabase: Client
    settings: Settings
    sender: MessageSender
    answer: AnswerFunction
    clock: Callable[[], datetime] = field(default=utc_now)


def reply_to_message(deps: ReplyDeps, message_id: str) -> Outcome | None:
    """Reply to an inbound message unless someone already has; None when there was nothing to claim."""
    claimed = deps.supabase.rpc("claim_reply", {"p_message_id": message_id}).execute().data
    if not claimed:
        return None
    try:
        outcome = _reply(deps, message_id)
    except Exception as error:
        _finish(deps, message_id, "failed", f"{type(error).__name__}: {error}")
        raise
    _finish(deps, message_id, outcome)
    return outcome


def _finish(deps: ReplyDeps, message_id: str, status: str, error: str | None = None) -> None:
    params = {"p_message_id": message_id, "p_status": status, "p_error": error}
    deps.supabase.rpc("finish_reply", params).execute()


def _reply(deps: ReplyDeps, message_id: str) -> Outcome:
    inbound = _inbound_message(deps.supabase, message_id)
    conversation = inbound["conversations"]
    if conversation["status"] != "bot" or _has_newer_inbound(deps.supabase, inbound):
        return "skipped"  # a person has it, or the newer message's reply will answer both
    parts = _stored_reply(deps.supabase, message_id) or _answer_and_store(deps, inbound)
    destination = destination_of(deps.supabase, inbound["conversation_id"])
    received_at = datetime.fromisoformat(inbound["created_at"])
    for part in parts:
        if part["status"] != "queued":
            continue  # sent before a crash: never twice
        now = deps.clock()
        send_stored_message(
            deps.supabase,
            deps.sender,
            destination,
            part,
            now=now,
            status_callback=_status_callback_url(deps.settings),
            latency_ms=int((now - received_at).total_seconds() * 1000),
        )
    return "done"


def _inbound_message(supabase: Client, message_id: str) -> dict[str, Any]:
    return one_row(
        supabase.table("messages")
        .select(
            "id, store_id, conversation_id, body, created_at, conversations(status, customers(phone, name))"
        )
        .eq("id", message_id)
        .single()
        .execute()
        .data
    )


def _has_newer_inbound(supabase: Client, inbound: dict[str, Any]) -> bool:
    newer = (
        supabase.table("messages")
        .select("id")
        .eq("conversation_id", inbound["conversation_id"])
        .eq("direction", "inbound")
        .gt("created_at", inbound["created_at"])
        .limit(1)
        .execute()
        .data
    )
    return bool(newer)


def _stored_reply(supabase: Client, message_id: str) -> list[dict[str, Any]]:
    return rows(
        supabase.table("messages")
        .select("id, body, status")
        .eq("reply_to", message_id)
        .order("created_at")
        .execute()
        .data
    )


def _history(supabase: Client, inbound: dict[str, Any]) -> list[Turn]:
    history = rows(
        supabase.table("messages")
        .select("sender, body")
        .eq("conversation_id", inbound["conversation_id"])
        .lt("created_at", inbound["created_at"])
        .neq("sender", "system")
        .order("created_at", desc=True)
        .limit(HISTORY_MESSAGES)
        .execute()
        .data
    )
    return [Turn(role=row["sender"], text=row["body"]) for row in reversed(history)]


def _answer_and_store(deps: ReplyDeps, inbound: dict[str, Any]) -> list[dict[str, Any]]:
    customer = inbound["conversations"]["customers"]
    request = AssistantRequest(
        store_id=inbound["store_id"],
        customer_phone=customer["phone"],
        customer_name=customer["name"],
        conversation_id=inbound["conversation_id"],
        history=_history(deps.supabase, inbound),
        text=inbound["body"],
    )
    shop = ShopData(deps.supabase, inbound["store_id"], customer["phone"])
    reply = deps.answer(request, shop, deps.settings)
    metadata = {
        "responder": reply.responder,
        "language": reply.language,
        "tool_calls": reply.tool_calls,
        "sources": reply.sources,
        "fallback_reason": reply.fallback_reason,
    }
    return rows(
        deps.supabase.rpc(
            "record_bot_reply",
            {
                "p_message_id": inbound["id"],
                "p_parts": reply.parts,
                "p_metadata": metadata,
                "p_handoff": reply.handoff,
                "p_handoff_reason": reply.handoff_reason,
            },
        )
        .execute()
        .data
    )


def _status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_base_url.rstrip('/')}/webhooks/twilio" if settings.public_base_url else None
