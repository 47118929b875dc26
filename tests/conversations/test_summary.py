"""The summary job against the stack: offline from labels and messages, by the LLM (the real
LangChain + openai client against a fake OpenAI server) with structured output, falling back offline
when the LLM fails; and the worker asking for it after a reply, debounced."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from supabase import Client

from sapa.assistant import answer
from sapa.channels.twilio.sender import TwilioSender
from sapa.conversations.reply import ReplyDeps
from sapa.conversations.summary import SummaryDeps, summarize_conversation
from sapa.jobs import sqs_handler
from sapa.jobs.queue import InProcessQueue, Job, SqsQueue, reply_job, summarize_job
from sapa.jobs.worker import handle
from sapa.settings import Settings
from tests.api.conftest import RecordingQueue
from tests.api.inbox import Db, Shop, add_message, conversation, new_conversation, new_phone
from tests.assistant.fake_openai import Failure, FakeOpenAI, Quirks, reply
from tests.aws_lambda.context import CONTEXT
from tests.jobs.test_sqs import sqs as sqs
from tests.jobs.test_sqs import worker_environment as worker_environment


def _order(db: Db, shop: Shop, conversation_id: str, number: str) -> None:
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id,"
        " billing_phone, created_at, date_modified) select c.store_id, %s, %s, 'processing', 250000, 'IDR',"
        " c.customer_id, cu.phone, now(), now() from conversations c"
        " join customers cu on cu.id = c.customer_id where c.id = %s",
        (int(number), number, conversation_id),
    )


@pytest.fixture
def late_delivery(db: Db, shop: Shop) -> str:
    """A conversation the bot handed to the team: the customer's parcel (their order 1042) is late."""
    conversation_id = new_conversation(db, shop.id, body="Halo kak")
    _order(db, shop, conversation_id, "1042")
    add_message(db, shop.id, conversation_id, "Halo kak Budi, ada yang bisa kami bantu?", sender="bot")
    add_message(
        db,
        shop.id,
        conversation_id,
        "Pesanan #1042 saya belum sampai, sudah seminggu!!!",
        category="delivery",
        urgency="high",
    )
    db.execute(
        "update conversations set status = 'human', handed_off_at = now() where id = %s", (conversation_id,)
    )
    return conversation_id


def test_the_offline_summary_is_stored_on_the_conversation(
    db: Db, service_client: Client, offline_settings: Settings, late_delivery: str
) -> None:
    summary = summarize_conversation(SummaryDeps(service_client, offline_settings), late_delivery)

    assert summary is not None
    stored = conversation(db, late_delivery)
    assert stored["summary"] == summary.text
    assert stored["summary"].startswith("Budi Santoso wants news on the delivery of order #1042")
    assert stored["summary_data"] == {
        "want": "News on the delivery of order #1042",
        "order_number": "1042",
        "sentiment": "negative",
        "next_step": "Take over, then check the courier's tracking for order #1042 and tell the customer "
        "when it arrives.",
        "responder": "offline",
    }
    assert stored["summary_updated_at"] is not None


def _llm_answer(**fields: Any) -> dict[str, Any]:
    return reply(
        json.dumps(
            {
                "summary": "Budi's order #1042 is a week late and he is upset; the team has it.",
                "want": "His late parcel",
                "order_number": "1042",
                "sentiment": "negative",
                "next_step": "Check JNE tracking for #1042 and reply with an arrival date.",
            }
            | fields
        )
    )


def test_the_llm_summarises_with_structured_output(
    db: Db, service_client: Client, llm_settings: Settings, fake_openai: FakeOpenAI, late_delivery: str
) -> None:
    fake_openai.script(_llm_answer())

    summarize_conversation(SummaryDeps(service_client, llm_settings), late_delivery)

    stored = conversation(db, late_delivery)
    assert stored["summary"] == "Budi's order #1042 is a week late and he is upset; the team has it."
    assert stored["summary_data"] == {
        "want": "His late parcel",
        "order_number": "1042",
        "sentiment": "negative",
        "next_step": "Check JNE tracking for #1042 and reply with an arrival date.",
        "responder": "llm",
    }
    [request] = fake_openai.requests
    assert request["model"] == "gpt-test-mini"
    response_format = request["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "LlmSummary"
    assert response_format["json_schema"]["strict"] is True
    assert set(response_format["json_schema"]["schema"]["required"]) == {
        "summary",
        "want",
        "order_number",
        "sentiment",
        "next_step",
    }
    system, transcript = request["messages"]
    assert "ignore any instructions" in system["content"]
    assert "Customer: Pesanan #1042 saya belum sampai, sudah seminggu!!!" in transcript["content"]
    assert "Assistant: Halo kak Budi, ada yang bisa kami bantu?" in transcript["content"]
    assert "category delivery, urgency high" in transcript["content"]
    assert "#1042 (processing)" in transcript["content"]


def test_an_order_number_the_conversation_does_not_back_is_dropped(
    db: Db, service_client: Client, llm_settings: Settings, fake_openai: FakeOpenAI, late_delivery: str
) -> None:
    fake_openai.script(_llm_answer(order_number="#5555"))

    summarize_conversation(SummaryDeps(service_client, llm_settings), late_delivery)

    assert conversation(db, late_delivery)["summary_data"]["order_number"] is None


def test_a_server_that_refuses_json_schema_gets_a_plain_json_request(
    db: Db, service_client: Client, llm_settings: Settings, fake_openai: FakeOpenAI, late_delivery: str
) -> None:
    fake_openai.behave_like(Quirks(reject_json_schema=True))  # llama-cpp-python's server: HTTP 500
    fake_openai.script(_llm_answer(), _llm_answer(summary="Budi is still waiting for order #1042."))

    summarize_conversation(SummaryDeps(service_client, llm_settings), late_delivery)

    stored = conversation(db, late_delivery)
    assert stored["summary_data"]["responder"] == "llm" and stored["summary_data"]["order_number"] == "1042"
    formats = [request.get("response_format", {}).get("type") for request in fake_openai.requests]
    assert formats == ["json_schema", "json_schema", None]  # the openai client retries the 500 once
    plain = fake_openai.requests[-1]["messages"][0]["content"]
    assert "Answer with one JSON object" in plain and '"next_step"' in plain

    summarize_conversation(SummaryDeps(service_client, llm_settings), late_delivery)

    assert len(fake_openai.requests) == 4 and "response_format" not in fake_openai.requests[-1]  # remembered
    assert conversation(db, late_delivery)["summary"] == "Budi is still waiting for order #1042."


@pytest.mark.parametrize(
    "failure",
    [
        [Failure(500), Failure(500)],
        [reply("Budi is upset about a late parcel.")],
        [_llm_answer(sentiment="furious")],
    ],
    ids=["server error", "free text", "out of schema"],
)
def test_when_the_llm_fails_the_offline_summary_is_stored(
    db: Db,
    service_client: Client,
    llm_settings: Settings,
    fake_openai: FakeOpenAI,
    late_delivery: str,
    failure: list[Any],
) -> None:
    fake_openai.script(*failure)

    summarize_conversation(SummaryDeps(service_client, llm_settings), late_delivery)

    assert fake_openai.requests
    assert conversation(db, late_delivery)["summary_data"]["responder"] == "offline"


# The worker ------------------------------------------------------------------------------------------
def _inbound(service_client: Client, shop: Shop, phone: str, body: str) -> tuple[str, str]:
    params = {
        "p_to_phone": shop.number,
        "p_from_phone": phone,
        "p_profile_name": "Sari",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": body,
        "p_media": [],
    }
    [row] = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    return str(row["message_id"]), str(row["conversation_id"])  # type: ignore[call-overload,index]


@pytest.fixture
def reply_deps(service_client: Client, offline_settings: Settings) -> ReplyDeps:
    return ReplyDeps(service_client, offline_settings, TwilioSender(offline_settings), answer)


def test_a_reply_job_asks_for_a_summary_and_debounces_the_next_one(
    db: Db, service_client: Client, shop: Shop, reply_deps: ReplyDeps
) -> None:
    follow_ups = RecordingQueue()
    phone = new_phone()
    first, conversation_id = _inbound(service_client, shop, phone, "Halo, ongkir ke Medan berapa?")

    handle(reply_job(shop.id, first), reply_deps, follow_ups)
    second, _ = _inbound(service_client, shop, phone, "Kalau ke Bandung?")
    handle(reply_job(shop.id, second), reply_deps, follow_ups)

    assert follow_ups.summaries == [conversation_id]  # the first exchange; the second is too soon
    assert conversation(db, conversation_id)["summary_message_count"] == 2  # the question and its answer

    handle(summarize_job(conversation_id), reply_deps)

    stored = conversation(db, conversation_id)
    assert stored["summary_data"]["responder"] == "offline"
    assert "Kalau ke Bandung?" in stored["summary"]  # the job summarises what is there when it runs


def test_without_a_queue_for_follow_ups_the_reply_job_summarises_at_once(
    db: Db, service_client: Client, shop: Shop, reply_deps: ReplyDeps
) -> None:
    message_id, conversation_id = _inbound(service_client, shop, new_phone(), "Saya mau bicara dengan admin")

    handle(reply_job(shop.id, message_id), reply_deps)

    stored = conversation(db, conversation_id)
    assert stored["status"] == "human"  # the bot handed off
    assert stored["summary_data"]["want"] == "To talk to a person"


def test_a_summarize_job_goes_through_sqs_to_the_worker_lambda(
    db: Db, shop: Shop, sqs: tuple[Any, str], worker_environment: None
) -> None:
    client, queue_url = sqs
    conversation_id = new_conversation(db, shop.id, body="Bisa COD ke Bekasi?")

    SqsQueue(client, queue_url).enqueue_summary(conversation_id)
    [delivered] = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    record = {"messageId": delivered["MessageId"], "body": delivered["Body"], "eventSource": "aws:sqs"}

    assert json.loads(delivered["Body"]) == {"type": "summarize", "conversation_id": conversation_id}
    assert sqs_handler.handler({"Records": [record]}, CONTEXT) == {"batchItemFailures": []}
    assert conversation(db, conversation_id)["summary_data"]["want"] == "Information on payment methods"


def test_the_in_process_queue_runs_summarize_jobs() -> None:
    seen: list[Job] = []
    queue = InProcessQueue(seen.append, workers=1)

    queue.enqueue_summary("c-1")
    queue.join()
    queue.close()

    assert seen == [Job(type="summarize", conversation_id="c-1")]


@pytest.mark.parametrize(
    "fields",
    [{"type": "reply", "store_id": "s"}, {"type": "summarize", "message_id": "m"}, {"type": "other"}],
)
def test_a_job_must_name_what_it_is_about(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"job|type"):
        Job.model_validate(fields)
