"""An agent's reply: stored as an outbound agent message, then sent through the real Twilio SDK (to a
fake Twilio for a store with an account; sandbox without one), within WhatsApp's 24-hour rule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import RecordingQueue
from tests.api.inbox import (
    Db,
    Shop,
    audits,
    conversation,
    messages,
    new_conversation,
    new_template,
    use_twilio_account,
)
from tests.channels.test_twilio_sender import CREATED_SID, FakeTwilio

ACCOUNT = "AC" + "7e" * 16
OUTSIDE_WINDOW = timedelta(hours=24, minutes=1)


def test_a_reply_is_stored_sent_in_the_sandbox_and_takes_the_conversation_over(
    api: TestClient, db: Db, shop: Shop, jobs: RecordingQueue, twilio: FakeTwilio
) -> None:
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo kak Budi, pesanan #1042 sudah dikirim hari ini ya."},
    )

    assert response.status_code == 201, response.text
    sent = response.json()
    [stored] = messages(db, conversation_id)
    assert str(stored["id"]) == sent["id"]
    assert (stored["direction"], stored["sender"], stored["status"]) == ("outbound", "agent", "sandbox")
    assert sent["status"] == "sandbox"  # the store has no Twilio account: recorded, not sent
    assert stored["body"] == "Halo kak Budi, pesanan #1042 sudah dikirim hari ini ya."
    assert stored["metadata"]["agent_id"] == shop.agent.id
    assert twilio.requests == []
    after = conversation(db, conversation_id)
    assert (after["status"], str(after["assignee_id"])) == ("human", shop.agent.id)
    assert [a["action"] for a in audits(db, shop.id)] == [
        "conversation.taken_over",
        "conversation.agent_replied",
    ]
    assert audits(db, shop.id)[1]["target_id"] == sent["id"]
    assert jobs.summaries == [conversation_id]


def test_with_a_twilio_account_the_sdk_sends_the_reply_and_its_status_is_recorded(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    conversation_id = new_conversation(db, shop.id)
    customer = db.execute(
        "select cu.phone from customers cu join conversations c on c.customer_id = cu.id where c.id = %s",
        (conversation_id,),
    ).fetchone()
    assert customer is not None

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo!"},
    )

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["provider_message_id"]) == ("queued", CREATED_SID)
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["form"]["From"] == [f"whatsapp:{shop.number}"]
    assert request["form"]["To"] == [f"whatsapp:{customer['phone']}"]
    assert request["form"]["Body"] == ["Halo!"]
    [stored] = messages(db, conversation_id)
    assert (stored["status"], stored["provider_message_id"]) == ("queued", CREATED_SID)


def test_free_text_outside_the_24_hour_window_is_refused_and_nothing_is_stored(
    api: TestClient, db: Db, shop: Shop, jobs: RecordingQueue, twilio: FakeTwilio
) -> None:
    conversation_id = new_conversation(db, shop.id, last_inbound=OUTSIDE_WINDOW)
    before = conversation(db, conversation_id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo?"},
    )

    assert response.status_code == 422
    assert "24 hours" in response.json()["detail"]
    assert "template" in response.json()["detail"]
    assert messages(db, conversation_id) == []
    assert conversation(db, conversation_id) == before
    assert audits(db, shop.id) == []
    assert twilio.requests == []
    assert jobs.summaries == []


def test_a_template_goes_outside_the_window_with_its_rendered_text_in_the_thread(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    sid = new_template(db, shop.id, "Halo kak {{1}}, pesanan #{{2}} sudah kami kirim.")
    conversation_id = new_conversation(db, shop.id, last_inbound=timedelta(days=3))
    variables = {"1": "Budi", "2": "1042"}

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"content_sid": sid, "variables": variables},
    )

    assert response.status_code == 201, response.text
    [stored] = messages(db, conversation_id)
    assert stored["body"] == "Halo kak Budi, pesanan #1042 sudah kami kirim."
    assert stored["metadata"]["template"] == {
        "content_sid": sid,
        "name": "order_update",
        "variables": variables,
    }
    [request] = twilio.requests
    assert request["form"]["ContentSid"] == [sid]
    assert json.loads(request["form"]["ContentVariables"][0]) == variables
    assert "Body" not in request["form"]
    assert audits(db, shop.id, "conversation.agent_replied")[0]["details"]["content_sid"] == sid


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"1": "Budi"}, "{{2}}"),
        ({"1": "Budi", "2": "1042", "3": "x"}, "no variables 3"),
        ({"1": " ", "2": "1"}, "{{1}}"),
    ],
)
def test_a_template_needs_exactly_its_variables(
    api: TestClient, db: Db, shop: Shop, variables: dict[str, str], error: str
) -> None:
    sid = new_template(db, shop.id, "Halo kak {{1}}, pesanan #{{2}} sudah kami kirim.")
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"content_sid": sid, "variables": variables},
    )

    assert response.status_code == 422
    assert error in response.json()["detail"]
    assert messages(db, conversation_id) == []


def test_only_the_stores_own_approved_templates_can_be_sent(api: TestClient, db: Db, shop: Shop) -> None:
    pending = new_template(db, shop.id, "Halo", name="pending_one", status="pending")
    theirs = new_template(db, shop.other_store_id, "Halo")
    conversation_id = new_conversation(db, shop.id)

    for sid in (pending, theirs):
        response = api.post(
            shop.url(f"conversations/{conversation_id}/messages"),
            headers=shop.agent.headers,
            json={"content_sid": sid},
        )
        assert response.status_code == 422
        assert "no approved template" in response.json()["detail"]
    assert messages(db, conversation_id) == []


def test_twilio_refusing_the_message_is_recorded_as_failed(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    twilio.answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo"},
    )

    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert "21211" in response.json()["metadata"]["error"]
    [stored] = messages(db, conversation_id)
    assert stored["status"] == "failed"


def test_twilio_unreachable_leaves_the_message_queued_for_the_stale_sends_job(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    use_twilio_account(db, shop.id, ACCOUNT)
    twilio.answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
    twilio.answer(503, {"code": 20503, "message": "Service unavailable", "status": 503})
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo"},
    )

    assert response.status_code == 201
    assert "503" in response.json()["metadata"]["delayed"]
    [stored] = messages(db, conversation_id)
    assert stored["status"] == "queued"  # not failed: it waits for the next try
    retry = db.execute(
        "select attempts from outbound_retries where message_id = %s", (stored["id"],)
    ).fetchone()
    assert retry == {"attempts": 1}


def test_a_resolved_conversation_takes_no_reply(api: TestClient, db: Db, shop: Shop) -> None:
    conversation_id = new_conversation(db, shop.id)
    api.post(shop.url(f"conversations/{conversation_id}/resolve"), headers=shop.agent.headers)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.agent.headers,
        json={"body": "Halo"},
    )

    assert response.status_code == 409
    assert messages(db, conversation_id) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": "   "},
        {"body": "x" * 1601},
        {"body": "Halo", "content_sid": "HX" + "0" * 32},
        {"body": "Halo", "variables": {"1": "x"}},
        {"content_sid": "SM123"},
        {"body": "Halo", "store_id": "00000000-0000-4000-8000-000000000002"},
    ],
)
def test_a_malformed_reply_is_422(api: TestClient, db: Db, shop: Shop, body: dict[str, object]) -> None:
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"), headers=shop.agent.headers, json=body
    )

    assert response.status_code == 422
    assert messages(db, conversation_id) == []


def test_an_agent_of_another_store_cannot_reply(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/messages"),
        headers=shop.stranger.headers,
        json={"body": "Hi"},
    )

    assert response.status_code == 403
    assert messages(db, conversation_id) == []
    assert conversation(db, conversation_id)["status"] == "bot"
