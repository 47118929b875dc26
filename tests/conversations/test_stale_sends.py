"""Outages: what Twilio cannot take now (5xx, 429, a timeout) waits and the `stale-sends` job sends it,
in the conversation's order, each message once; what Twilio refuses for good is failed at once. The
agent's replies go through the real API and the real `twilio` SDK, to a fake Twilio at the HTTP boundary."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.assistant import answer
from sapa.channels.twilio.sender import TwilioSender
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.db import get_supabase
from sapa.jobs.runs import JobDeps, StoreRun
from sapa.jobs.scheduled import JOBS
from sapa.settings import get_settings
from tests.api.conftest import api as api
from tests.api.conftest import db as db
from tests.api.conftest import jobs as jobs
from tests.api.conftest import shop as shop
from tests.api.inbox import Db, Shop, messages, new_conversation, new_phone, use_twilio_account
from tests.conftest import Stack, make_settings
from tests.conversations.fake_twilio_outage import FakeTwilioOutage, Outcome
from tests.conversations.fake_twilio_outage import twilio_outage as twilio_outage

ACCOUNT = "AC" + "5e" * 16


@pytest.fixture(autouse=True)
def short_twilio_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_TIMEOUT_SECONDS", "1")


@pytest.fixture
def twilio(twilio_outage: FakeTwilioOutage) -> Iterator[FakeTwilioOutage]:
    """The api fixture's Twilio: the outage fake."""
    yield twilio_outage


def reply(api: TestClient, shop: Shop, conversation_id: str, body: str) -> dict[str, object]:
    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"), headers=shop.agent.headers, json={"body": body}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, object] = response.json()
    return answer


def run_stale_sends(db: Db, shop: Shop) -> list[StoreRun]:
    """The job's next round, with the backoff's wait over."""
    db.execute(
        "update outbound_retries set next_attempt_at = now() - interval '1 second' where store_id = %s",
        (shop.id,),
    )
    runs = JOBS["stale-sends"].run(JobDeps(get_supabase(), get_settings()), shop.id)
    assert [run.error for run in runs] == [None] * len(runs)
    return runs


def waiting(db: Db, shop: Shop) -> list[dict[str, object]]:
    return db.execute(
        "select r.attempts, r.ambiguous, m.body"
        " from outbound_retries r join messages m on m.id = r.message_id"
        " where r.store_id = %s order by m.created_at",
        (shop.id,),
    ).fetchall()


def test_an_outage_delays_the_replies_then_each_is_sent_once_in_order(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilioOutage
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    conversation_id = new_conversation(db, shop.id)
    twilio.fail(2)  # the first send and the job's first retry meet a 503

    for body in ("satu", "dua", "tiga"):
        sent = reply(api, shop, conversation_id, body)
        assert sent["status"] == "queued"
        assert "delayed" in sent["metadata"]  # type: ignore[operator]

    assert twilio.posts == ["satu"]  # the later ones wait behind it instead of overtaking it
    assert [(w["body"], w["attempts"]) for w in waiting(db, shop)] == [("satu", 1), ("dua", 0), ("tiga", 0)]

    run_stale_sends(db, shop)  # Twilio still answers 503
    assert twilio.delivered() == []
    assert (waiting(db, shop)[0]["body"], waiting(db, shop)[0]["attempts"]) == ("satu", 2)

    [run] = run_stale_sends(db, shop)  # Twilio is back
    assert run.rows_touched == 3
    assert twilio.delivered() == ["satu", "dua", "tiga"]
    assert twilio.posts == ["satu", "satu", "satu", "dua", "tiga"]
    stored = messages(db, conversation_id)
    assert [(m["body"], m["status"]) for m in stored] == [
        ("satu", "queued"),
        ("dua", "queued"),
        ("tiga", "queued"),
    ]
    assert [m["provider_message_id"] for m in stored] == [m["sid"] for m in twilio.created]
    assert waiting(db, shop) == []

    run_stale_sends(db, shop)
    assert len(twilio.posts) == 5  # nothing is sent twice


def test_a_permanent_refusal_is_shown_on_the_message_at_once_and_never_retried(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilioOutage
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    conversation_id = new_conversation(db, shop.id)
    twilio.script.append(Outcome(400, 21211))

    sent = reply(api, shop, conversation_id, "Halo")

    assert sent["status"] == "failed"
    assert "21211" in sent["metadata"]["error"]  # type: ignore[index]
    assert waiting(db, shop) == []
    run_stale_sends(db, shop)
    assert twilio.posts == ["Halo"]


def test_after_a_timeout_twilios_list_is_checked_before_sending_again(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilioOutage
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    conversation_id = new_conversation(db, shop.id)
    twilio.script.append(Outcome(201, delay=2.5))  # Twilio takes it, the answer comes after the 1 s timeout

    sent = reply(api, shop, conversation_id, "Pesanan sudah dikirim")

    assert sent["status"] == "queued"
    assert [(w["body"], w["ambiguous"]) for w in waiting(db, shop)] == [("Pesanan sudah dikirim", True)]
    run_stale_sends(db, shop)
    assert (len(twilio.posts), len(twilio.created), twilio.lists) == (1, 1, 1)  # found, not sent again
    [stored] = messages(db, conversation_id)
    assert stored["provider_message_id"] == twilio.created[0]["sid"]
    assert waiting(db, shop) == []


def test_a_message_failing_for_24_hours_is_given_up_and_a_closed_window_fails_at_once(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilioOutage
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    long_outage = new_conversation(db, shop.id)
    window_closes = new_conversation(db, shop.id)
    twilio.fail(2)
    reply(api, shop, long_outage, "sudah lama")
    reply(api, shop, window_closes, "jendela")
    db.execute(
        "update outbound_retries set first_failed_at = now() - interval '25 hours'"
        " where conversation_id = %s",
        (long_outage,),
    )
    db.execute(
        "update conversations set last_inbound_at = now() - %s where id = %s",
        (timedelta(hours=25), window_closes),
    )
    twilio.fail(1)  # the long outage's last try

    run_stale_sends(db, shop)

    [gave_up] = messages(db, long_outage)
    assert gave_up["status"] == "failed"
    assert "kept failing" in gave_up["metadata"]["error"]
    [closed] = messages(db, window_closes)
    assert closed["status"] == "failed"
    assert "24 hours" in closed["metadata"]["error"]
    assert twilio.created == []
    assert waiting(db, shop) == []


def test_a_bot_reply_twilio_cannot_take_waits_and_the_job_sends_it(
    db: Db, service_client: Client, shop: Shop, stack: Stack, twilio: FakeTwilioOutage
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    settings = make_settings(stack, openai_api_key=None, twilio_api_base_url=twilio.url)
    deps = ReplyDeps(service_client, settings, TwilioSender(settings), answer)
    params = {
        "p_to_phone": shop.number,
        "p_from_phone": new_phone(),
        "p_profile_name": "Rina",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": "Halo kak, toko buka jam berapa?",
        "p_media": [],
    }
    [row] = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    inbound = str(row["message_id"])  # type: ignore[call-overload,index]
    twilio.fail(1)

    assert reply_to_message(deps, inbound) == "done"  # not failed, not handed to a person: it waits

    parts = db.execute(
        "select body, status from messages where reply_to = %s order by created_at, id", (inbound,)
    ).fetchall()
    assert parts and {p["status"] for p in parts} == {"queued"}
    assert len(waiting(db, shop)) == len(parts)
    job = db.execute("select status::text from reply_jobs where message_id = %s", (inbound,)).fetchone()
    assert job == {"status": "done"}
    gave_up = db.execute(
        "select count(*) as n from tickets where store_id = %s and subject like 'The bot could not reply%%'",
        (shop.id,),
    ).fetchone()
    assert gave_up == {"n": 0}  # the outage does not hand the customer to a person
    db.execute("update outbound_retries set next_attempt_at = now() where store_id = %s", (shop.id,))
    [run] = JOBS["stale-sends"].run(JobDeps(service_client, settings), shop.id)
    assert run.error is None
    assert twilio.delivered() == [p["body"] for p in parts]
    assert waiting(db, shop) == []
