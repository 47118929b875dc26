"""POST /webhooks/twilio against the local stack: verify → parse → store once → enqueue → empty TwiML;
refused requests (403, 404, 400) store nothing and enqueue nothing."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from supabase import create_client

from sapa.api.deps import get_reply_queue
from sapa.api.routes.twilio import EMPTY_TWIML, router
from sapa.channels.twilio.signature import sign
from sapa.db import get_supabase
from sapa.settings import Settings, get_settings
from tests.conftest import Stack

URL = "http://testserver/webhooks/twilio"
OTHER_STORE_NUMBER = "+6281100000002"  # the second demo store: no Twilio auth token


class RecordingQueue:
    def __init__(self) -> None:
        self.replies: list[tuple[str, str]] = []

    def enqueue_reply(self, store_id: str, message_id: str) -> None:
        self.replies.append((store_id, message_id))


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def demo(stack: Stack) -> dict[str, str]:
    return {
        "store_id": stack.demo_store_id,
        "number": stack.demo_whatsapp_number,
        "token": stack.twilio_auth_token,
    }


def _app(stack: Stack, queue: RecordingQueue, public_base_url: str | None = None) -> FastAPI:
    settings = Settings(
        supabase_url=stack.api_url,
        supabase_service_role_key=stack.service_role_key,
        supabase_jwt_secret=stack.jwt_secret,
        environment="test",
        public_base_url=public_base_url,
    )
    supabase = create_client(stack.api_url, stack.service_role_key)
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_supabase] = lambda: supabase
    app.dependency_overrides[get_reply_queue] = lambda: queue
    return app


@pytest.fixture
def client(stack: Stack, queue: RecordingQueue) -> Iterator[TestClient]:
    with TestClient(_app(stack, queue)) as test_client:
        yield test_client


# Factories ----------------------------------------------------------------------------------------
def new_phone() -> str:
    return "+62899" + "".join(secrets.choice("0123456789") for _ in range(7))


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def message_form(
    to: str, *, phone: str | None = None, sid: str | None = None, **extra: str
) -> dict[str, str]:
    phone = phone or new_phone()
    return {
        "MessageSid": sid or new_sid(),
        "SmsMessageSid": sid or "",
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{to}",
        "Body": "Kak, pesanan 1042 sudah dikirim?",
        "NumMedia": "0",
        "ProfileName": "Budi",
        "WaId": phone.lstrip("+"),
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    } | extra


def status_form(store_number: str, customer: str, sid: str, status: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{store_number}",
        "To": f"whatsapp:{customer}",
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    } | extra


def post(client: TestClient, form: dict[str, str], token: str | None, url: str = URL, **headers: str) -> Any:
    if token is not None:
        headers["X-Twilio-Signature"] = sign(url, form, token)
    return client.post("/webhooks/twilio", data=form, headers=headers)


# What the database holds, read directly ---------------------------------------------------------
def rows(stack: Stack, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.db_url) as conn:
        return conn.execute(query, params).fetchall()


def stored_messages(stack: Stack, sid: str) -> list[tuple[Any, ...]]:
    return rows(
        stack,
        "select m.id::text, m.store_id::text, m.direction::text, m.sender::text, m.status::text, m.body,"
        " m.media, c.status::text, cu.phone, cu.name"
        " from public.messages m join public.conversations c on c.id = m.conversation_id"
        " join public.customers cu on cu.id = c.customer_id where m.provider_message_id = %s",
        sid,
    )


def customers_with_phone(stack: Stack, phone: str) -> int:
    return len(rows(stack, "select 1 from public.customers where phone = %s", phone))


def assert_nothing_stored(stack: Stack, form: dict[str, str], queue: RecordingQueue) -> None:
    assert stored_messages(stack, form["MessageSid"]) == []
    assert customers_with_phone(stack, form["From"].removeprefix("whatsapp:")) == 0
    assert queue.replies == []


# Inbound messages ---------------------------------------------------------------------------------
def test_a_message_is_stored_once_and_its_reply_enqueued_each_delivery(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(demo["number"])

    first = post(client, form, demo["token"])
    again = post(client, form, demo["token"])

    for response in (first, again):
        assert response.status_code == 200
        assert response.text == EMPTY_TWIML
        assert response.headers["content-type"].startswith("text/xml")
    [message] = stored_messages(stack, form["MessageSid"])
    phone = form["From"].removeprefix("whatsapp:")
    assert message[1:] == (
        demo["store_id"], "inbound", "customer", "received", form["Body"], [], "bot", phone, "Budi"
    )  # fmt: skip
    assert queue.replies == [(demo["store_id"], message[0])] * 2


def test_media_items_are_stored_with_the_message(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(
        demo["number"],
        Body="",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2",
        MediaContentType1="audio/ogg",
    )

    assert post(client, form, demo["token"]).status_code == 200

    [message] = stored_messages(stack, form["MessageSid"])
    assert message[5:7] == (
        "",
        [
            {"url": form["MediaUrl0"], "content_type": "image/jpeg"},
            {"url": form["MediaUrl1"], "content_type": "audio/ogg"},
        ],
    )
    assert len(queue.replies) == 1


def test_a_customers_messages_share_their_open_conversation(
    client: TestClient, stack: Stack, demo: dict[str, str]
) -> None:
    phone = new_phone()
    forms = [message_form(demo["number"], phone=phone) for _ in range(3)]

    assert [post(client, form, demo["token"]).status_code for form in forms] == [200] * 3

    conversations = rows(
        stack,
        "select c.id, count(m.id) from public.conversations c"
        " join public.customers cu on cu.id = c.customer_id"
        " join public.messages m on m.conversation_id = c.id where cu.phone = %s group by c.id",
        phone,
    )
    assert [count for _, count in conversations] == [3]
    assert customers_with_phone(stack, phone) == 1


# Refused: 403 ---------------------------------------------------------------------------------------
def _tampered(form: dict[str, str], token: str) -> tuple[dict[str, str], dict[str, str]]:
    headers = {"X-Twilio-Signature": sign(URL, form, token)}
    return form | {"Body": "Kirim semua data pelanggan"}, headers


@pytest.mark.parametrize(
    "case", ["missing", "empty", "wrong token", "tampered body", "other url", "no url query"]
)
def test_a_request_that_twilio_did_not_sign_is_refused_and_stores_nothing(
    case: str, client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(demo["number"])
    headers = {
        "missing": {},
        "empty": {"X-Twilio-Signature": ""},
        "wrong token": {"X-Twilio-Signature": sign(URL, form, "not-the-store-token")},
        "other url": {
            "X-Twilio-Signature": sign("https://elsewhere.example.com/webhooks/twilio", form, demo["token"])
        },
        "no url query": {"X-Twilio-Signature": sign(URL + "?x=1", form, demo["token"])},
    }.get(case)
    if headers is None:
        form, headers = _tampered(form, demo["token"])

    response = client.post("/webhooks/twilio", data=form, headers=headers)

    assert response.status_code == 403
    assert_nothing_stored(stack, form, queue)


def test_a_store_without_an_auth_token_accepts_nothing(
    client: TestClient, stack: Stack, queue: RecordingQueue
) -> None:
    form = message_form(OTHER_STORE_NUMBER)

    assert post(client, form, "").status_code == 403
    assert post(client, form, stack.twilio_auth_token).status_code == 403
    assert_nothing_stored(stack, form, queue)


@pytest.mark.parametrize("garbage", [{"MessageSid": ""}, {"From": "+62"}, {"NumMedia": "many"}])
def test_malformed_and_unsigned_is_refused_as_unsigned(
    garbage: dict[str, str], client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(demo["number"])
    form, headers = form | garbage, {"X-Twilio-Signature": sign(URL, form, "not-the-store-token")}

    response = client.post("/webhooks/twilio", data=form, headers=headers)

    assert (response.status_code, response.json()) == (403, {"detail": "invalid signature"})
    assert queue.replies == []


def test_a_rotated_auth_token_is_used_at_once(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    assert post(client, message_form(demo["number"]), demo["token"]).status_code == 200  # token now cached
    rotated = "rotated-" + secrets.token_hex(8)
    set_token = "update public.store_credentials set twilio_auth_token = %s where store_id = %s"
    with psycopg.connect(stack.db_url) as conn:
        conn.execute(set_token, (rotated, demo["store_id"]))
    try:
        form = message_form(demo["number"])
        assert post(client, form, rotated).status_code == 200
    finally:
        with psycopg.connect(stack.db_url) as conn:
            conn.execute(set_token, (demo["token"], demo["store_id"]))
    assert len(stored_messages(stack, form["MessageSid"])) == 1


# Refused: 404 and 400 -----------------------------------------------------------------------------
def test_a_number_no_store_has_is_not_found(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form("+6281100009999")

    assert post(client, form, demo["token"]).status_code == 404
    assert_nothing_stored(stack, form, queue)


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": ""},
        {"MessageSid": "not-a-sid"},
        {"AccountSid": ""},
        {"From": "+6281234567890"},
        {"From": "whatsapp:0812-3456"},
        {"To": "sms:+6281100000001"},
        {"NumMedia": "1"},
        {"NumMedia": "-1"},
        {"NumMedia": "1", "MediaUrl0": "javascript:alert(1)", "MediaContentType0": "image/jpeg"},
        {"WaId": "abc"},
        {"Body": "x" * 65537},
    ],
)
def test_a_signed_but_malformed_message_is_a_bad_request(
    change: dict[str, str], client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(demo["number"]) | change

    response = post(client, form, demo["token"])

    assert response.status_code == 400
    assert "x" * 20 not in response.text  # the 400 names fields, never echoes what a customer wrote
    assert stored_messages(stack, form["MessageSid"]) == []
    assert queue.replies == []


def test_a_body_that_is_not_a_form_is_a_bad_request(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    form = message_form(demo["number"])
    headers = {"X-Twilio-Signature": sign(URL, form, demo["token"])}

    as_json = client.post("/webhooks/twilio", json=form, headers=headers)
    repeated = client.post(
        "/webhooks/twilio",
        content="MessageSid=SM1&MessageSid=SM2",
        headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    not_utf8 = client.post(
        "/webhooks/twilio",
        content=b"Body=%FF%FE",
        headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
    )
    huge = client.post("/webhooks/twilio", data=form | {"Body": "x" * 300_000}, headers=headers)

    assert [r.status_code for r in (as_json, repeated, not_utf8, huge)] == [400, 400, 400, 413]
    assert_nothing_stored(stack, form, queue)


# The URL Twilio signed ------------------------------------------------------------------------------
def test_behind_a_proxy_the_forwarded_url_is_the_one_verified(
    client: TestClient, stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    public = "https://sapa.example.com/webhooks/twilio"
    form = message_form(demo["number"])
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sapa.example.com"}

    assert post(client, form, demo["token"], URL, **proxy).status_code == 403
    assert post(client, form, demo["token"], public, **proxy).status_code == 200
    assert len(stored_messages(stack, form["MessageSid"])) == 1


def test_the_configured_public_url_is_the_one_verified(
    stack: Stack, queue: RecordingQueue, demo: dict[str, str]
) -> None:
    base = "https://abc123.execute-api.ap-southeast-1.amazonaws.com/prod"
    form = message_form(demo["number"])

    with TestClient(_app(stack, queue, public_base_url=base + "/")) as client:
        as_requested = post(client, form, demo["token"], URL)
        as_configured = post(client, form, demo["token"], base + "/webhooks/twilio")

    assert (as_requested.status_code, as_configured.status_code) == (403, 200)
    assert len(stored_messages(stack, form["MessageSid"])) == 1


# Status callbacks ---------------------------------------------------------------------------------
@pytest.fixture
def sent_message(client: TestClient, stack: Stack, demo: dict[str, str]) -> dict[str, str]:
    """A bot reply that went out through Twilio (status queued) in a fresh conversation."""
    form = message_form(demo["number"])
    assert post(client, form, demo["token"]).status_code == 200
    [(conversation_id,)] = rows(
        stack,
        "select conversation_id::text from public.messages where provider_message_id = %s",
        form["MessageSid"],
    )
    sid = new_sid()
    with psycopg.connect(stack.db_url) as conn:
        conn.execute(
            "insert into public.messages (store_id, conversation_id, direction, sender, body,"
            " provider_message_id, status)"
            " values (%s, %s, 'outbound', 'bot', 'Sudah dikirim kak.', %s, 'queued')",
            (demo["store_id"], conversation_id, sid),
        )
    return {"sid": sid, "customer": form["From"].removeprefix("whatsapp:")}


def message_status(stack: Stack, sid: str) -> tuple[str, dict[str, Any]]:
    [(status, metadata)] = rows(
        stack, "select status::text, metadata from public.messages where provider_message_id = %s", sid
    )
    return status, metadata


def test_status_callbacks_move_the_status_forward_only(
    client: TestClient,
    stack: Stack,
    queue: RecordingQueue,
    demo: dict[str, str],
    sent_message: dict[str, str],
) -> None:
    queue.replies.clear()
    seen = []
    for status in ["sent", "delivered", "sent", "read", "delivered"]:
        form = status_form(demo["number"], sent_message["customer"], sent_message["sid"], status)
        response = post(client, form, demo["token"])
        assert (response.status_code, response.text) == (200, EMPTY_TWIML)
        seen.append(message_status(stack, sent_message["sid"])[0])

    assert seen == ["sent", "delivered", "delivered", "read", "read"]
    assert queue.replies == []  # status callbacks never ask for a reply


def test_a_failed_delivery_keeps_twilios_error_code(
    client: TestClient, stack: Stack, demo: dict[str, str], sent_message: dict[str, str]
) -> None:
    form = status_form(
        demo["number"], sent_message["customer"], sent_message["sid"], "undelivered", ErrorCode="63016"
    )

    assert post(client, form, demo["token"]).status_code == 200

    assert message_status(stack, sent_message["sid"]) == ("failed", {"twilio_error_code": "63016"})


def test_an_unsigned_status_callback_changes_nothing(
    client: TestClient, stack: Stack, demo: dict[str, str], sent_message: dict[str, str]
) -> None:
    form = status_form(demo["number"], sent_message["customer"], sent_message["sid"], "read")

    assert post(client, form, "not-the-store-token").status_code == 403
    assert post(client, form, None).status_code == 403
    assert message_status(stack, sent_message["sid"]) == ("queued", {})


def test_a_status_callback_for_an_unknown_message_is_acknowledged(
    client: TestClient, demo: dict[str, str]
) -> None:
    form = status_form(demo["number"], new_phone(), new_sid(), "delivered")

    assert post(client, form, demo["token"]).status_code == 200  # Twilio would retry a 4xx/5xx in vain


def test_a_status_callback_is_routed_by_the_sending_number(
    client: TestClient, stack: Stack, demo: dict[str, str], sent_message: dict[str, str]
) -> None:
    swapped = status_form(sent_message["customer"], demo["number"], sent_message["sid"], "read")
    bad_status = status_form(demo["number"], sent_message["customer"], sent_message["sid"], "Read!")

    assert post(client, swapped, demo["token"]).status_code == 404
    assert post(client, bad_status, demo["token"]).status_code == 400
    assert message_status(stack, sent_message["sid"]) == ("queued", {})


# The running stack --------------------------------------------------------------------------------
def test_the_stacks_functions_server_takes_a_signed_message(stack: Stack, demo: dict[str, str]) -> None:
    url = f"{stack.functions_url}/webhooks/twilio"
    form = message_form(demo["number"])

    unsigned = httpx.post(url, data=form, timeout=10)
    signed = httpx.post(
        url, data=form, headers={"X-Twilio-Signature": sign(url, form, demo["token"])}, timeout=10
    )

    assert (unsigned.status_code, signed.status_code, signed.text) == (403, 200, EMPTY_TWIML)
    assert len(stored_messages(stack, form["MessageSid"])) == 1
