"""The AWS path with the real boto3 client against an SQS-compatible server (moto): the API's queue
sends a job, SQS delivers it to the worker Lambda handler, the reply is stored once even when SQS
delivers the same message twice."""

from __future__ import annotations

import json
import secrets
import time
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
from tests.aws_lambda.context import CONTEXT
from tests.conftest import Stack


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # The local settings: moto's endpoint for every AWS client of the functions (S3 too), never AWS.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("sqs", endpoint_url=endpoint, region_name="ap-southeast-3")
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

    assert sqs_handler.handler(event, CONTEXT) == {"batchItemFailures": []}
    assert sqs_handler.handler(event, CONTEXT) == {"batchItemFailures": []}  # SQS delivers at least once

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


# Retries: a backoff of seconds to minutes, then a person and the dead-letter queue -------------------


def _received(client: Any, queue_url: str) -> list[dict[str, Any]]:
    response = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


def _event_of(messages: list[dict[str, Any]], queue_url: str) -> dict[str, Any]:
    arn = f"arn:aws:sqs:ap-southeast-3:123456789012:{queue_url.rsplit('/', 1)[-1]}"
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": "ap-southeast-3",
        }
        for m in messages
    ]
    return {"Records": records}


@pytest.fixture
def retrying_queue(
    sqs: tuple[Any, str], worker_environment: None, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, str]:
    """A jobs queue as serverless.yml makes it (a visibility timeout of 18 minutes, a redrive policy after
    JOB_MAX_ATTEMPTS receives), known to the handler as its QUEUE_URL."""
    client, _ = sqs
    suffix = secrets.token_hex(4)
    dead = client.create_queue(QueueName=f"sapa-dead-{suffix}")["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})
    attributes = {"VisibilityTimeout": "1080", "RedrivePolicy": redrive}
    queue_url = client.create_queue(QueueName=f"sapa-jobs-{suffix}", Attributes=attributes)["QueueUrl"]
    for name, value in {
        "QUEUE_URL": queue_url,
        "AWS_ENDPOINT_URL": client.meta.endpoint_url,
        "JOB_MAX_ATTEMPTS": "2",
        "JOB_RETRY_BASE_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return client, queue_url


def test_a_failed_job_comes_back_after_the_backoff_not_the_visibility_timeout(
    retrying_queue: tuple[Any, str],
) -> None:
    client, queue_url = retrying_queue
    client.send_message(
        QueueUrl=queue_url, MessageBody='{"type": "reply", "store_id": "s", "message_id": "bad"}'
    )
    first = _received(client, queue_url)

    response = sqs_handler.handler(_event_of(first, queue_url), CONTEXT)

    assert response == {"batchItemFailures": [{"itemIdentifier": first[0]["MessageId"]}]}
    assert _received(client, queue_url) == []  # not at once
    time.sleep(1.5)  # the first retry waits JOB_RETRY_BASE_SECONDS (1 s here; 10 s by default)
    again = _received(client, queue_url)
    assert [m["MessageId"] for m in again] == [first[0]["MessageId"]]
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"


def test_the_last_try_hands_the_conversation_to_a_person_and_sqs_dead_letters_it(
    stack: Stack, retrying_queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, queue_url = retrying_queue
    message_id = _inbound_message(stack)

    def the_llm_is_down(job: Any, follow_ups: Any = None) -> None:
        raise TimeoutError("OpenAI did not answer")

    monkeypatch.setattr(sqs_handler, "handle", the_llm_is_down)
    SqsQueue(client, queue_url).enqueue_reply(stack.demo_store_id, message_id)

    delivered: list[dict[str, Any]] = []
    for attempt in (1, 2):
        for message in delivered:  # the backoff, shortened
            client.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        delivered = _received(client, queue_url)
        assert delivered[0]["Attributes"]["ApproximateReceiveCount"] == str(attempt)
        assert sqs_handler.handler(_event_of(delivered, queue_url), CONTEXT)["batchItemFailures"]
        status = _conversation_status(stack, message_id)
        assert status == (("bot", 0) if attempt == 1 else ("human", 1)), attempt

    # SQS's redrive policy (maxReceiveCount = JOB_MAX_ATTEMPTS) moves it on its next receive.
    client.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=delivered[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    assert _received(client, queue_url) == []
    dead_url = client.get_queue_url(QueueName=queue_url.rsplit("/", 1)[-1].replace("jobs", "dead"))[
        "QueueUrl"
    ]
    assert [m["Body"] for m in _received(client, dead_url)] == [delivered[0]["Body"]]
    with psycopg.connect(stack.db_url) as conn:
        (job,) = conn.execute(
            "select status::text, last_error from reply_jobs where message_id = %s", (message_id,)
        )
    assert job == ("failed", "TimeoutError: OpenAI did not answer")


def _conversation_status(stack: Stack, message_id: str) -> tuple[str, int]:
    """The conversation's status and its open tickets."""
    with psycopg.connect(stack.db_url) as conn:
        row = conn.execute(
            "select c.status::text, (select count(*) from tickets t where t.conversation_id = c.id"
            " and t.status = 'open')::int from messages m join conversations c on c.id = m.conversation_id"
            " where m.id = %s",
            (message_id,),
        ).fetchone()
    assert row is not None
    return row[0], row[1]
