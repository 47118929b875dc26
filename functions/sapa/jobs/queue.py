"""The job queue: webhooks enqueue, a worker handles. Locally an in-process worker thread; on AWS an
SQS queue drained by the worker Lambda (sapa.jobs.sqs_handler)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, Protocol, Self

from pydantic import BaseModel, model_validator

logger = logging.getLogger(__name__)


class Job(BaseModel):
    """What the worker is asked to do. Jobs are idempotent: running one twice has the effect of once.

    reply: the assistant's reply to the inbound message `message_id` (of `store_id`);
    summarize: a fresh summary of the conversation `conversation_id`."""

    type: Literal["reply", "summarize"]
    store_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None

    @model_validator(mode="after")
    def _names_its_subject(self) -> Self:
        if self.type == "reply" and not (self.store_id and self.message_id):
            raise ValueError("a reply job names its store_id and message_id")
        if self.type == "summarize" and not self.conversation_id:
            raise ValueError("a summarize job names its conversation_id")
        return self

    @property
    def subject(self) -> str:
        """The id the job is about, for logs."""
        return self.message_id or self.conversation_id or ""


def reply_job(store_id: str, message_id: str) -> Job:
    return Job(type="reply", store_id=store_id, message_id=message_id)


def summarize_job(conversation_id: str) -> Job:
    return Job(type="summarize", conversation_id=conversation_id)


class ReplyQueue(Protocol):
    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        """Ask for the assistant's reply to an inbound message (idempotent: at most one reply per message)."""

    def enqueue_summary(self, conversation_id: str) -> None:
        """Ask for a fresh summary of a conversation (idempotent: it summarises what is there)."""


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
        self._jobs.put((reply_job(store_id, message_id), 1))

    def enqueue_summary(self, conversation_id: str) -> None:
        self._jobs.put((summarize_job(conversation_id), 1))

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
                logger.exception("job %s %s failed (attempt %d)", job.type, job.subject, attempt)
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
        self._send(reply_job(store_id, message_id))

    def enqueue_summary(self, conversation_id: str) -> None:
        self._send(summarize_job(conversation_id))

    def _send(self, job: Job) -> None:
        body = job.model_dump_json(exclude_none=True)
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=body)
