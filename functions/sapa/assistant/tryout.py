"""The "try it" panel: a typed question answered with DRAFT assistant settings, through the same `answer`
the worker calls (both responders, the settings' rules, the shop's tools and documents), as a dry run:
`answer` only reads, and nothing here stores or sends its reply."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from supabase import Client

from sapa.assistant import answer
from sapa.assistant.settings import AssistantSettings
from sapa.assistant.shop import ShopData
from sapa.assistant.types import AssistantRequest, Responder, Turn
from sapa.db import rows
from sapa.settings import Settings

TRY_PHONE = "+10000000000"
"""The phone a try-out writes from when none is given: no customer has it, so no order is revealed."""


class TryQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000)
    settings: dict[str, Any] = Field(
        default_factory=dict, description="The draft: keys to change from the current settings"
    )
    history: list[Turn] = Field(default_factory=list, max_length=20)
    """Earlier messages of the tried conversation; empty: a new conversation (the greeting comes first)."""
    customer_phone: str | None = Field(
        None, pattern=r"^\+[1-9][0-9]{6,14}$", description="Answer as to this customer (their orders)"
    )
    customer_name: str | None = Field(None, max_length=100)
    at: datetime | None = Field(None, description="Answer as if asked at this moment (business hours)")


class UsedDocument(BaseModel):
    id: str
    title: str


class TryAnswer(BaseModel):
    parts: list[str]
    language: str
    handoff: bool
    handoff_reason: str | None
    responder: Responder
    fallback_reason: str | None
    tool_calls: list[dict[str, Any]]
    sources: list[str]
    documents: list[UsedDocument]
    """The shop's documents the answer rests on."""
    guard: dict[str, Any] | None


def try_answer(
    supabase: Client, settings: Settings, store_id: str, draft: AssistantSettings, question: TryQuestion
) -> TryAnswer:
    shop = ShopData(supabase, store_id, question.customer_phone or TRY_PHONE, assistant_settings=draft)
    request = AssistantRequest(
        store_id=store_id,
        customer_phone=shop.customer_phone,
        customer_name=question.customer_name,
        conversation_id=str(uuid.uuid4()),
        history=question.history,
        text=question.question,
        received_at=question.at,
    )
    reply = answer(request, shop, settings)
    return TryAnswer(
        parts=reply.parts,
        language=reply.language,
        handoff=reply.handoff,
        handoff_reason=reply.handoff_reason,
        responder=reply.responder,
        fallback_reason=reply.fallback_reason,
        tool_calls=reply.tool_calls,
        sources=reply.sources,
        documents=_documents(supabase, store_id, reply.sources),
        guard=reply.guard,
    )


def _documents(supabase: Client, store_id: str, sources: list[str]) -> list[UsedDocument]:
    ids = [source.removeprefix("document:") for source in sources if source.startswith("document:")]
    if not ids:
        return []
    found = rows(
        supabase.table("knowledge_documents")
        .select("id, title")
        .eq("store_id", store_id)
        .in_("id", ids)
        .execute()
        .data
    )
    return [UsedDocument(id=str(row["id"]), title=str(row["title"])) for row in found]
