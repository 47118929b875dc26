"""The worker: runs a job with the clients it needs (built once per process)."""

from __future__ import annotations

from functools import lru_cache

import boto3

from sapa.assistant import answer
from sapa.channels.twilio.sender import TwilioSender
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.db import get_supabase
from sapa.jobs.queue import InProcessQueue, Job, ReplyQueue, SqsQueue
from sapa.settings import Settings, get_settings


@lru_cache(maxsize=1)
def reply_deps() -> ReplyDeps:
    settings = get_settings()
    return ReplyDeps(supabase=get_supabase(), settings=settings, sender=TwilioSender(settings), answer=answer)


def handle(job: Job, deps: ReplyDeps | None = None) -> None:
    match job.type:
        case "reply":
            reply_to_message(deps or reply_deps(), job.message_id)


def queue_from_settings(settings: Settings) -> ReplyQueue:
    if settings.queue_backend == "sqs":
        if not settings.queue_url:
            raise ValueError("QUEUE_URL is required when QUEUE_BACKEND is sqs")
        client = boto3.client("sqs", endpoint_url=settings.aws_endpoint_url)
        return SqsQueue(client, settings.queue_url)
    return InProcessQueue(handle)
