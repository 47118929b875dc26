"""The worker: runs a job with the clients it needs (built once per process).

After the assistant's reply (or its decision to stay silent) the conversation has changed; when
request_summary says a summary is due, the worker enqueues a `summarize` job on the queue it was
given, or, without one, summarises at once."""

from __future__ import annotations

import logging
from functools import lru_cache

from sapa.assistant import answer
from sapa.aws import aws_client
from sapa.channels.router import ChannelSender
from sapa.channels.twilio.media import MediaDeps, TwilioMediaClient
from sapa.classify.client import classifier_from_settings
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.conversations.summary import SummaryDeps, request_summary_for_message, summarize_conversation
from sapa.db import get_supabase
from sapa.jobs.queue import InProcessQueue, Job, ReplyQueue, SqsQueue, backfill_job, extract_document_job
from sapa.knowledge.documents import KnowledgeDeps, fail_after_retries, process_document
from sapa.knowledge.embed import embedder_from_settings
from sapa.knowledge.storage import object_store
from sapa.settings import Settings, get_settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def reply_deps() -> ReplyDeps:
    settings = get_settings()
    return ReplyDeps(
        supabase=get_supabase(),
        settings=settings,
        sender=ChannelSender(settings, get_supabase()),
        answer=answer,
        classifier=classifier_from_settings(settings),
        media=MediaDeps(
            get_supabase(), object_store(settings), TwilioMediaClient(settings.twilio_api_base_url)
        ),
    )


def knowledge_deps(settings: Settings) -> KnowledgeDeps:
    """The document job's clients; the embedder loads (or connects) on the first document."""
    return KnowledgeDeps(
        get_supabase(),
        object_store(settings),
        embedder_from_settings(settings),
        budget_seconds=settings.knowledge_job_budget_seconds,
        batch_size=settings.knowledge_batch_size,
    )


def warm_up() -> None:
    """Load now what the first reply would otherwise load while a customer waits (clients, the
    classifier model); a failure is logged and left for the first job to meet."""
    try:
        deps = reply_deps()
        if deps.classifier is not None:
            deps.classifier.classify(["halo"])
    except Exception:
        logger.exception("could not warm up the worker")


def handle(job: Job, deps: ReplyDeps | None = None, follow_ups: ReplyQueue | None = None) -> None:
    if job.type == "store_backup" and job.store_id and job.backup_id:
        # Needs only the database and object storage: not the reply's clients (the classifier model).
        from sapa.privacy.backup import run_backup

        run_backup(get_supabase(), object_store(get_settings()), job.store_id, job.backup_id)
        return
    deps = deps or reply_deps()
    match job.type:
        case "reply" if job.message_id is not None:
            if reply_to_message(deps, job.message_id) is not None:
                _summarize_if_due(deps, job.message_id, follow_ups)
        case "summarize" if job.conversation_id is not None:
            summarize_conversation(SummaryDeps(deps.supabase, deps.settings), job.conversation_id)
        case "backfill" if job.store_id is not None:
            _backfill(deps, job.store_id, follow_ups)
        case "extract_document" if job.store_id is not None and job.document_id is not None:
            _extract_document(deps, job.store_id, job.document_id, follow_ups)
        case "woocommerce_refetch" if job.store_id and job.resource and job.external_id:
            from sapa.commerce.woocommerce.arbiter import refetch
            from sapa.commerce.woocommerce.shop import ShopDeps

            refetch(ShopDeps(deps.supabase, deps.settings), job.store_id, job.resource, job.external_id)
        case "woocommerce_health":
            from sapa.commerce.woocommerce.health import check_stores
            from sapa.commerce.woocommerce.shop import ShopDeps

            check_stores(ShopDeps(deps.supabase, deps.settings), job.store_id)


def give_up(job: Job, error: BaseException) -> None:
    """After a job's last try: a customer's message the bot could not answer goes to a person (the
    conversation moves to `human` with a ticket naming the error, live in the inbox); a document whose
    processing kept failing is marked failed. Other jobs record their failure where they run (a sync's
    error)."""
    if job.type == "extract_document" and job.document_id is not None:
        try:
            fail_after_retries(get_supabase(), job.document_id)
        except Exception:
            logger.exception("could not mark the document %s failed", job.document_id)
        return
    if job.type != "reply" or job.message_id is None:
        return
    try:
        params = {"p_message_id": job.message_id, "p_error": f"{type(error).__name__}: {error}"}
        get_supabase().rpc("give_up_reply", params).execute()
    except Exception:
        logger.exception("could not hand the unanswered message %s to a person", job.message_id)


def _summarize_if_due(deps: ReplyDeps, message_id: str, follow_ups: ReplyQueue | None) -> None:
    """The reply is done whatever happens here: a failure is logged, and the next message asks again."""
    try:
        conversation_id = request_summary_for_message(deps.supabase, message_id)
        if conversation_id is None:
            return
        if follow_ups is None:
            summarize_conversation(SummaryDeps(deps.supabase, deps.settings), conversation_id)
        else:
            follow_ups.enqueue_summary(conversation_id)
    except Exception:
        logger.exception("could not summarise the conversation of message %s", message_id)


def _backfill(deps: ReplyDeps, store_id: str, follow_ups: ReplyQueue | None) -> None:
    """Some pages of a shop's backfill; the continuation goes on the queue when there is one."""
    from sapa.commerce.woocommerce.backfill import run_backfill_job

    continue_with = None if follow_ups is None else lambda store: follow_ups.enqueue(backfill_job(store))
    run_backfill_job(deps.supabase, deps.settings, store_id, continue_with)


def _extract_document(
    deps: ReplyDeps, store_id: str, document_id: str, follow_ups: ReplyQueue | None
) -> None:
    """A time-bounded run of a document's processing; the continuation goes on the queue when there is
    one (without one the run goes on until the document is done)."""
    job = extract_document_job(store_id, document_id)
    continue_with = None if follow_ups is None else lambda: follow_ups.enqueue(job)
    process_document(knowledge_deps(deps.settings), store_id, document_id, continue_with)


def queue_from_settings(settings: Settings) -> ReplyQueue:
    if settings.queue_backend == "sqs":
        if not settings.queue_url:
            raise ValueError("QUEUE_URL is required when QUEUE_BACKEND is sqs")
        client = aws_client("sqs", settings.aws_endpoint_url)
        return SqsQueue(client, settings.queue_url, settings.background_queue_url)
    queue: InProcessQueue

    def handle_here(job: Job) -> None:
        handle(job, follow_ups=queue)

    queue = InProcessQueue(handle_here, max_attempts=settings.job_max_attempts, give_up=give_up)
    return queue


@lru_cache(maxsize=1)
def follow_up_queue() -> ReplyQueue | None:
    """In the worker Lambda: the SQS queue the API enqueues to (follow-up jobs go there too); None when
    the queue is not SQS, and follow-ups then run in the job that asks for them."""
    settings = get_settings()
    return queue_from_settings(settings) if settings.queue_backend == "sqs" else None
