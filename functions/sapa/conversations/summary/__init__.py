"""The conversation summary on the inbox card: what the customer wants, the order referenced, the
sentiment and a suggested next step.

Asked for when the conversation changes meaningfully, decided in SQL (request_summary: the first
message, every few messages, a message after some minutes, a handoff), then made by the `summarize`
job: by the assistant's LLM with structured output when an OpenAI key is set, else (or when the LLM
fails) deterministically from the classifier's labels and the last messages."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError
from supabase import Client

from sapa.assistant import llm_failures
from sapa.conversations.summary.context import ConversationSummary, SummaryContext
from sapa.conversations.summary.offline import summarize_offline
from sapa.settings import Settings

logger = logging.getLogger(__name__)


def request_summary(supabase: Client, conversation_id: uuid.UUID | str) -> bool:
    """Record a summary request if one is due; True when the caller should enqueue the summary job."""
    return bool(supabase.rpc("request_summary", {"p_conversation_id": str(conversation_id)}).execute().data)


def request_summary_for_message(supabase: Client, message_id: str) -> str | None:
    """The same for the conversation of a message: its id when a summary is due, else None."""
    data = supabase.rpc("request_summary_for_message", {"p_message_id": message_id}).execute().data
    return str(data) if data else None


class SummaryQueue(Protocol):
    def enqueue_summary(self, conversation_id: str) -> None: ...


def enqueue_summary_if_due(supabase: Client, queue: SummaryQueue, conversation_id: uuid.UUID | str) -> bool:
    """Enqueue the summary job when the conversation has changed enough (request_summary decides)."""
    if not request_summary(supabase, conversation_id):
        return False
    queue.enqueue_summary(str(conversation_id))
    return True


@dataclass(frozen=True)
class SummaryDeps:
    supabase: Client
    settings: Settings


def summarize_conversation(deps: SummaryDeps, conversation_id: str) -> ConversationSummary | None:
    """Summarise the conversation as it is now and store the summary; None if it no longer exists.
    Idempotent: running it again writes a summary of the same messages."""
    data = deps.supabase.rpc("summary_context", {"p_conversation_id": conversation_id}).execute().data
    if not data:
        return None
    context = SummaryContext.model_validate(data)
    summary = generate_summary(context, deps.settings)
    params = {
        "p_conversation_id": conversation_id,
        "p_summary": summary.text,
        "p_data": summary.data.model_dump(mode="json"),
    }
    deps.supabase.rpc("record_summary", params).execute()
    return summary


def generate_summary(context: SummaryContext, settings: Settings) -> ConversationSummary:
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return summarize_offline(context)
    from sapa.conversations.summary.llm import SummaryUnavailable, summarize_with_llm  # only with a key

    failures: tuple[type[Exception], ...] = (*llm_failures(), SummaryUnavailable, ValidationError)
    try:
        return summarize_with_llm(context, settings)
    except failures as error:
        logger.warning("the LLM summary failed; summarising offline", extra={"error": type(error).__name__})
        return summarize_offline(context)


__all__ = [
    "ConversationSummary",
    "SummaryContext",
    "SummaryDeps",
    "SummaryQueue",
    "enqueue_summary_if_due",
    "generate_summary",
    "request_summary",
    "request_summary_for_message",
    "summarize_conversation",
]
