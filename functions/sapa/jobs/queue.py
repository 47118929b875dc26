"""The job queue: webhooks enqueue, a worker handles. Locally an in-process worker thread; on AWS an
SQS queue drained by the worker Lambda (sapa.jobs.sqs_handler)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel

logger = logging.getLogger(__name__)


class Job(BaseModel):
    """What the worker is asked to do. Jobs are idempotent: running one twice has the effect of once."""

    type: Literal["reply"]
    store_id: str
    message_id: str


class ReplyQueue(Protocol):
    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        """Ask for the assistant's reply to an inbound message (idempotent: at most one reply per message)."""


class InProcessQueue:
    """Local stack: worker threads in the API process, with retries and backoff like SQS redelivery."""

    def __init__(
        self,
        handle: Callable[[Job], None],
        *,
        workers: int = 4,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self._handle = handle
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._jobs: queue.Queue[tuple[Job, int] | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self._jobs.put((Job(type="reply", store_id=store_id, message_id=message_id), 1))

    def join(self) -> None:
        """Wait until every job enqueued so far (and its retries) has finished."""
        self._jobs.join()

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=10)

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, attempt = item
            try:
                self._handle(job)
            except Exception:
                logger.exception("job %s %s failed (attempt %d)", job.type, job.message_id, attempt)
                if attempt < self._max_attempts:
                    time.sleep(self._backoff * attempt)
                    self._jobs.put((job, attempt + 1))
            finally:
                self._jobs.task_done()
        self._jobs.task_done()


class SqsQueue:
    """AWS: one SQS message per job; the worker Lambda deletes it on success, SQS redelivers on failure
    and moves it to the dead-letter queue after the redrive limit."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        job = Job(type="reply", store_id=store_id, message_id=message_id)
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=job.model_dump_json())
