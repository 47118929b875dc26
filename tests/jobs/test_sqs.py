"""The AWS path with the real boto3 client against an SQS-compatible server (moto): the API's queue
sends a job, SQS delivers it to the worker Lambda handler, the reply is stored once even when SQS
delivers the same message twice."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from sapa.db import get_supabase
from sapa.jobs import sqs_handler
from sapa.jobs.queue import SqsQueue
from sapa.jobs.worker import reply_deps
from sapa.settings import get_settings
from tests.conftest import Stack


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("sqs", endpoint_url=f"http://{host}:{port}", region_name="ap-southeast-3")
    try:
        # A new queue each time: moto keeps its queues in this process across servers, and a message a
        # test received without deleting comes back once its visibility timeout ends.
        yield client, client.create_queue(QueueName=f"sapa-jobs-{secrets.token_hex(4)}")["QueueUrl"]
    finally:
        server.stop()


@pytest.fixture
def worker_environment(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SUPABASE_URL", stack.api_url)
    monkeypatch.setenv("SUPABASE_SERVICE_ROLE_KEY", stack.service_role_key)
    monkeypatch.setenv("SUPABASE_JWT_SECRET", stack.jwt_secret)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for cache in (get_settings, get_supabase, reply_deps):
        cache.cache_clear()
    yield
    for cache in (get_settings, get_supabase, reply_deps):
        cache.cache_clear()


def _inbound_message(stack: Stack) -> str:
    params = {
        "p_to_phone": stack.demo_whatsapp_number,
        "p_from_phone": "+6289933" + str(secrets.randbelow(10**6)).zfill(6),
        "p_profile_name": "Lewat SQS",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": "Bisa bayar pakai transfer bank apa saja?",
        "p_media": [],
    }
    (row,) = get_supabase().rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    return str(row["message_id"])  # type: ignore[call-overload, index]


def _lambda_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "eventSource": "aws:sqs",
                "attributes": {},
                "messageAttributes": {},
            }
            for m in messages
        ]
    }


def test_a_job_sent_to_sqs_is_answered_once_by_the_worker_handler(
    stack: Stack, sqs: tuple[Any, str], worker_environment: None
) -> None:
    client, queue_url = sqs
    message_id = _inbound_message(stack)

    SqsQueue(client, queue_url).enqueue_reply(stack.demo_store_id, message_id)
    delivered = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    event = _lambda_event(delivered)

    assert sqs_handler.handler(event, None) == {"batchItemFailures": []}
    assert sqs_handler.handler(event, None) == {"batchItemFailures": []}  # SQS delivers at least once

    with psycopg.connect(stack.db_url) as conn:
        replies = conn.execute(
            "select sender::text, status::text, metadata ->> 'responder' from messages where reply_to = %s",
            (message_id,),
        ).fetchall()
        (job,) = conn.execute(
            "select status::text, attempts from reply_jobs where message_id = %s", (message_id,)
        )
    assert replies == [("bot", "sandbox", "offline")]
    assert job == ("done", 1)


def test_background_jobs_go_to_their_own_queue_when_there_is_one(sqs: tuple[Any, str]) -> None:
    client, replies_url = sqs
    background_url = client.create_queue(QueueName=f"sapa-background-{secrets.token_hex(4)}")["QueueUrl"]
    queue = SqsQueue(client, replies_url, background_url)

    queue.enqueue_reply("store", "m1")
    queue.enqueue_summary("c1")

    def bodies(url: str) -> list[dict[str, Any]]:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    assert bodies(replies_url) == [{"type": "reply", "store_id": "store", "message_id": "m1"}]
    assert bodies(background_url) == [{"type": "summarize", "conversation_id": "c1"}]
