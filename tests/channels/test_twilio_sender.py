"""TwilioSender through the real `twilio` SDK, against a fake Twilio Messages API on a local port."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from sapa.channels.twilio.sender import MAX_BODY, SendResult, TwilioSender, TwilioUnavailable
from sapa.settings import Settings

ACCOUNT = "AC" + "1f" * 16
TOKEN = "twilio-test-token"
SHOP = "+6281100000001"
CUSTOMER = "+6281234567890"
CREATED_SID = "SM" + "5a" * 16


@dataclass
class FakeTwilio:
    """Answers POST …/Accounts/{sid}/Messages.json with the next scripted (status, JSON) and records
    what the SDK sent."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def answer(self, status: int, payload: dict[str, Any]) -> None:
        self.answers.append((status, payload))


def message_resource(status: str = "queued", **extra: Any) -> dict[str, Any]:
    return {
        "sid": CREATED_SID,
        "account_sid": ACCOUNT,
        "from": f"whatsapp:{SHOP}",
        "to": f"whatsapp:{CUSTOMER}",
        "status": status,
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "error_code": None,
        "error_message": None,
    } | extra


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "form": form})
            status, payload = fake.answers.pop(0) if fake.answers else (201, message_resource())
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def sender_for(base_url: str | None) -> TwilioSender:
    settings = Settings(
        supabase_url="http://127.0.0.1:9",
        supabase_service_role_key="unused",
        supabase_jwt_secret="unused",
        twilio_api_base_url=base_url,
    )
    return TwilioSender(settings, timeout_seconds=5)


def send(sender: TwilioSender, **kwargs: Any) -> SendResult:
    params: dict[str, Any] = {
        "account_sid": ACCOUNT,
        "auth_token": TOKEN,
        "from_phone": SHOP,
        "to_phone": CUSTOMER,
        "body": "Pesanan #1042 sudah dikirim dengan JNE.",
    }
    return sender.send(**(params | kwargs))


def test_a_text_reply_is_posted_to_the_messages_api_as_whatsapp(twilio: FakeTwilio) -> None:
    result = send(sender_for(twilio.url), status_callback="https://sapa.example.com/webhooks/twilio")

    assert result == SendResult("queued", CREATED_SID, None)
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["form"] == {
        "From": [f"whatsapp:{SHOP}"],
        "To": [f"whatsapp:{CUSTOMER}"],
        "Body": ["Pesanan #1042 sudah dikirim dengan JNE."],
        "StatusCallback": ["https://sapa.example.com/webhooks/twilio"],
    }
    credentials = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {credentials}"


def test_a_template_is_sent_by_content_sid_with_its_variables(twilio: FakeTwilio) -> None:
    content_sid = "HX" + "0b" * 16

    result = send(
        sender_for(twilio.url),
        body=None,
        content_sid=content_sid,
        content_variables={"1": "Budi", "2": "1042"},
    )

    assert result.status == "queued"
    [request] = twilio.requests
    assert request["form"]["ContentSid"] == [content_sid]
    assert json.loads(request["form"]["ContentVariables"][0]) == {"1": "Budi", "2": "1042"}
    assert "Body" not in request["form"]


def test_a_base_url_with_a_path_keeps_the_api_path(twilio: FakeTwilio) -> None:
    twilio.answer(201, message_resource(status="sent"))

    result = send(sender_for(twilio.url + "/twilio-proxy/"))

    assert result == SendResult("sent", CREATED_SID, None)
    assert twilio.requests[0]["path"] == f"/twilio-proxy/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def test_twilios_refusal_is_a_failed_result_with_its_code_and_message(twilio: FakeTwilio) -> None:
    twilio.answer(
        400,
        {
            "code": 63016,
            "message": "Failed to send freeform message because you are outside the allowed window.",
            "more_info": "https://www.twilio.com/docs/errors/63016",
            "status": 400,
        },
    )

    result = send(sender_for(twilio.url))

    assert result.status == "failed"
    assert result.provider_message_id is None
    assert result.error is not None
    assert "63016" in result.error and "outside the allowed window" in result.error


def test_a_problem_details_refusal_is_a_failed_result_too(twilio: FakeTwilio) -> None:
    twilio.answer(
        400,
        {
            "type": "https://www.twilio.com/docs/errors/21211",
            "title": "Invalid 'To' Phone Number",
            "status": 400,
            "code": 21211,
            "detail": "The 'To' number is not a valid phone number.",
        },
    )

    result = send(sender_for(twilio.url))

    assert (result.status, result.error) == (
        "failed",
        "Twilio error 21211: The 'To' number is not a valid phone number.",
    )


def test_a_message_twilio_accepts_as_failed_is_failed(twilio: FakeTwilio) -> None:
    twilio.answer(201, message_resource(status="failed", error_code=30008, error_message="Unknown error"))

    result = send(sender_for(twilio.url))

    assert result == SendResult("failed", CREATED_SID, "Twilio error 30008: Unknown error")


@pytest.mark.parametrize("status", [429, 500, 503])
def test_when_twilio_cannot_take_it_now_the_caller_retries(twilio: FakeTwilio, status: int) -> None:
    twilio.answer(
        status, {"code": 20429 if status == 429 else 20500, "message": "try later", "status": status}
    )

    with pytest.raises(TwilioUnavailable):
        send(sender_for(twilio.url))


def test_an_unreachable_twilio_is_unavailable() -> None:
    with pytest.raises(TwilioUnavailable):
        send(sender_for("http://127.0.0.1:9"))


def test_without_a_twilio_account_nothing_is_sent(twilio: FakeTwilio) -> None:
    result = send(sender_for(twilio.url), account_sid=None, auth_token=None)

    assert result == SendResult("sandbox", None, None)
    assert twilio.requests == []


MALFORMED = [
    {"body": "x" * (MAX_BODY + 1)},
    {"body": ""},
    {"body": None},
    {"content_sid": "HX" + "0" * 32},
    {"content_variables": {"1": "Budi"}},
    {"to_phone": "081234567890"},
    {"from_phone": "whatsapp:+6281100000001"},
]


@pytest.mark.parametrize("change", [*MALFORMED, {"auth_token": None}])
def test_a_message_twilio_would_refuse_is_not_sent(twilio: FakeTwilio, change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        send(sender_for(twilio.url), **change)

    assert twilio.requests == []


@pytest.mark.parametrize("change", MALFORMED)
def test_sandbox_mode_checks_messages_just_the_same(twilio: FakeTwilio, change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        send(sender_for(twilio.url), account_sid=None, auth_token=None, **change)


def test_a_body_of_exactly_the_limit_is_sent(twilio: FakeTwilio) -> None:
    assert send(sender_for(twilio.url), body="x" * MAX_BODY).status == "queued"
    assert twilio.requests[0]["form"]["Body"] == ["x" * MAX_BODY]
