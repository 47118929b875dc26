"""The job queue: webhooks enqueue, a worker handles. Locally an in-process worker thread; on AWS an
SQS queue drained by the worker Lambda."""

from __future__ import annotations

from typing import Protocol


class ReplyQueue(Protocol):
    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        """Ask for the assistant's reply to an inbound message (idempotent: at most one reply per message)."""
