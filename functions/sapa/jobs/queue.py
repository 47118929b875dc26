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
    summarize: a fresh summary of the conversation `conversation_id`;
    backfill: the next pages of the WooCommerce backfill of `store_id` (it queues its own continuation);
    extract_document: extract, chunk and embed the knowledge document `document_id` of `store_id`;
    woocommerce_refetch: ask the shop of `store_id` for its `resource` `external_id` and mirror what it
    says (a delivery that was not newer than the mirror but brought content never applied);
    woocommerce_health: check the webhooks of every connected shop (or of `store_id`), re-enable and
    re-sync (sapa.commerce.woocommerce.health);
    store_backup: write the archive of `store_id` for the backup `backup_id` (sapa.privacy.backup)."""

    type: Literal[
        "reply",
        "summarize",
        "backfill",
        "extract_document",
        "woocommerce_refetch",
        "woocommerce_health",
        "store_backup",
    ]
    store_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    document_id: str | None = None
    resource: Literal["order", "customer", "product"] | None = None
    external_id: int | None = None
    backup_id: str | None = None

    @model_validator(mode="after")
    def _names_its_subject(self) -> Self:
        if self.type == "reply" and not (self.store_id and self.message_id):
            raise ValueError("a reply job names its store_id and message_id")
        if self.type == "summarize" and not self.conversation_id:
            raise ValueError("a summarize job names its conversation_id")
        if self.type == "backfill" and not self.store_id:
            raise ValueError("a backfill job names its store_id")
        if self.type == "extract_document" and not (self.store_id and self.document_id):
            raise ValueError("an extract_document job names its store_id and document_id")
        if self.type == "woocommerce_refetch" and not (self.store_id and self.resource and self.external_id):
            raise ValueError("a woocommerce_refetch job names its store_id, resource and external_id")
        if self.type == "store_backup" and not (self.store_id and self.backup_id):
            raise ValueError("a store_backup job names its store_id and backup_id")
        return self

    @property
    def subject(self) -> str:
        """The id the job is about, for logs."""
        return self.message_id or self.conversation_id or self.document_id or self.store_id or ""


def reply_job(store_id: str, message_id: str) -> Job:
    return Job(type="reply", store_id=store_id, message_id=message_id)


def summarize_job(conversation_id: str) -> Job:
    return Job(type="summarize", conversation_id=conversation_id)


def backfill_job(store_id: str) -> Job:
    return Job(type="backfill", store_id=store_id)


def extract_document_job(store_id: str, document_id: str) -> Job:
    return Job(type="extract_document", store_id=store_id, document_id=document_id)


def woocommerce_refetch_job(
    store_id: str, resource: Literal["order", "customer", "product"], external_id: int
) -> Job:
    return Job(type="woocommerce_refetch", store_id=store_id, resource=resource, external_id=external_id)


def woocommerce_health_job(store_id: str | None = None) -> Job:
    return Job(type="woocommerce_health", store_id=store_id)


def store_backup_job(store_id: str, backup_id: str) -> Job:
    return Job(type="store_backup", store_id=store_id, backup_id=backup_id)


Lane = Literal["reply", "background"]


def lane_of(job: Job) -> Lane:
    """Replies are what a customer waits for; everything else (summaries, syncs, extraction) runs in a
    lane of its own so it never delays a reply."""
    return "reply" if job.type == "reply" else "background"


class ReplyQueue(Protocol):
    def enqueue(self, job: Job) -> None:
        """Queue any job on its lane."""

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        """Ask for the assistant's reply to an inbound message (idempotent: at most one reply per message)."""

    def enqueue_summary(self, conversation_id: str) -> None:
        """Ask for a fresh summary of a conversation (idempotent: it summarises what is there)."""


class InProcessQueue:
    """Local stack: worker threads in the API process, with retries and backoff like SQS redelivery.

    Two lanes: `workers` threads for replies, `background_workers` for the rest. The threads share one
    interpreter, so a background job also waits (up to `yield_seconds`) while replies are running:
    otherwise a summary's LLM call and parsing would slow the reply a customer is waiting for."""

    def __init__(
        self,
        handle: Callable[[Job], None],
        *,
        workers: int = 4,
        background_workers: int = 1,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
        yield_seconds: float = 5.0,
        give_up: Callable[[Job, BaseException], None] | None = None,
    ) -> None:
        self._handle = handle
        self._give_up = give_up
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._yield_seconds = yield_seconds
        self._replies_running = 0
        self._replies_idle = threading.Condition()
        self._lanes: dict[Lane, queue.Queue[tuple[Job, int] | None]] = {
            "reply": queue.Queue(),
            "background": queue.Queue(),
        }
        counts: dict[Lane, int] = {"reply": workers, "background": background_workers}
        self._threads = [
            (lane, threading.Thread(target=self._work, args=(lane,), daemon=True))
            for lane, count in counts.items()
            for _ in range(count)
        ]
        for _, thread in self._threads:
            thread.start()

    def enqueue(self, job: Job) -> None:
        self._put(job, 1)

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self.enqueue(reply_job(store_id, message_id))

    def enqueue_summary(self, conversation_id: str) -> None:
        self.enqueue(summarize_job(conversation_id))

    def join(self) -> None:
        """Wait until every job enqueued so far (and its retries, and what they enqueue) has finished."""
        while any(lane.unfinished_tasks for lane in self._lanes.values()):
            for lane in self._lanes.values():
                lane.join()

    def close(self) -> None:
        for lane, _ in self._threads:
            self._lanes[lane].put(None)
        for _, thread in self._threads:
            thread.join(timeout=10)

    def _put(self, job: Job, attempt: int) -> None:
        self._lanes[lane_of(job)].put((job, attempt))

    def _work(self, lane: Lane) -> None:
        jobs = self._lanes[lane]
        while (item := jobs.get()) is not None:
            job, attempt = item
            try:
                self._run(lane, job)
            except Exception as error:
                logger.exception("job %s %s failed (attempt %d)", job.type, job.subject, attempt)
                if attempt < self._max_attempts:
                    time.sleep(self._backoff * attempt)
                    self._put(job, attempt + 1)
                elif self._give_up is not None:
                    self._give_up(job, error)
            finally:
                jobs.task_done()
        jobs.task_done()

    def _run(self, lane: Lane, job: Job) -> None:
        if lane == "background":
            with self._replies_idle:
                self._replies_idle.wait_for(lambda: self._replies_running == 0, timeout=self._yield_seconds)
            self._handle(job)
            return
        with self._replies_idle:
            self._replies_running += 1
        try:
            self._handle(job)
        finally:
            with self._replies_idle:
                self._replies_running -= 1
                self._replies_idle.notify_all()


class SqsQueue:
    """AWS: one SQS message per job; the worker Lambda deletes it on success, SQS redelivers on failure
    and moves it to the dead-letter queue after the redrive limit.

    Background jobs go to a queue of their own when `background_queue_url` is given (serverless.yml
    does), drained by its own worker function, so a batch of replies never waits behind a summary."""

    def __init__(self, client: Any, queue_url: str, background_queue_url: str | None = None) -> None:
        self._client = client
        self._queue_urls: dict[Lane, str] = {
            "reply": queue_url,
            "background": background_queue_url or queue_url,
        }

    def enqueue(self, job: Job) -> None:
        body = job.model_dump_json(exclude_none=True)
        self._client.send_message(QueueUrl=self._queue_urls[lane_of(job)], MessageBody=body)

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self.enqueue(reply_job(store_id, message_id))

    def enqueue_summary(self, conversation_id: str) -> None:
        self.enqueue(summarize_job(conversation_id))
