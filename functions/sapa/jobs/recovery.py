"""After a restart of the local stack: the replies its in-process queue lost with the old process.
(On AWS, SQS keeps undelivered jobs and redelivers failed ones; nothing to recover there.)"""

from __future__ import annotations

import logging
import time

import httpx
from supabase import Client

from sapa.db import get_supabase, rows
from sapa.jobs.queue import ReplyQueue

logger = logging.getLogger(__name__)


def requeue_pending_replies(supabase: Client, queue: ReplyQueue) -> int:
    """Enqueue every recent inbound message whose reply job never finished; how many."""
    pending = rows(supabase.rpc("pending_replies", {}).execute().data)
    for job in pending:
        queue.enqueue_reply(job["store_id"], job["message_id"])
    if pending:
        logger.info("re-enqueued %d replies left unfinished by an earlier run", len(pending))
    return len(pending)


def requeue_pending_replies_when_ready(queue: ReplyQueue, attempts: int = 60, pause: float = 0.5) -> None:
    """At start: wait for the database to answer, then requeue (a failure is logged, never raised)."""
    for _ in range(attempts):
        try:
            requeue_pending_replies(get_supabase(), queue)
            return
        except httpx.TransportError:
            time.sleep(pause)
    logger.error("could not re-enqueue unfinished replies: the database did not answer")
