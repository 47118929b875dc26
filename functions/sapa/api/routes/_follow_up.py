"""After an agent's action: ask for a fresh conversation summary when one is due. The action has
happened by then, so a failure here is logged, not answered with an error."""

from __future__ import annotations

import logging
import uuid

from supabase import Client

from sapa.conversations.summary import SummaryQueue, enqueue_summary_if_due

logger = logging.getLogger(__name__)


def summarize_if_due(supabase: Client, queue: SummaryQueue, conversation_id: uuid.UUID) -> None:
    try:
        enqueue_summary_if_due(supabase, queue, conversation_id)
    except Exception:
        logger.exception("could not ask for a summary of conversation %s", conversation_id)
