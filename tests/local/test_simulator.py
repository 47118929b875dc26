"""The WhatsApp simulator of the local stack: a message typed in it goes through the signed webhook and
the bot's sandbox reply comes back to the page."""

from __future__ import annotations

import secrets
import time

import httpx

from tests.conftest import Stack


def test_a_simulated_message_is_answered_through_the_webhook(stack: Stack) -> None:
    phone = "+6289922" + str(secrets.randbelow(10**6)).zfill(6)
    simulator = f"{stack.functions_url}/simulator"
    message = {
        "store_id": stack.demo_store_id,
        "phone": phone,
        "name": "Simulasi",
        "body": "Jam buka toko kapan?",
    }

    sent = httpx.post(f"{simulator}/api/send", json=message, timeout=15)

    assert sent.status_code == 200, sent.text
    assert sent.json()["message_sid"].startswith("SM")
    deadline = time.monotonic() + 15
    thread: list[dict[str, str]] = []
    while time.monotonic() < deadline and (len(thread) < 2 or thread[-1]["status"] == "queued"):
        params = {"store_id": stack.demo_store_id, "phone": phone}
        thread = httpx.get(f"{simulator}/api/messages", params=params, timeout=5).json()
        time.sleep(0.2)
    assert [(m["direction"], m["sender"], m["status"]) for m in thread] == [
        ("inbound", "customer", "received"),
        ("outbound", "bot", "sandbox"),
    ]
    assert thread[0]["body"] == "Jam buka toko kapan?"


def test_the_simulator_refuses_a_store_without_a_twilio_token(stack: Stack) -> None:
    from sapa.local.seed import DEMO

    message = {"store_id": DEMO.other_store_id, "phone": "+628990000001", "body": "Halo"}
    response = httpx.post(f"{stack.functions_url}/simulator/api/send", json=message, timeout=15)

    assert response.status_code == 404
    assert "Twilio auth token" in response.json()["detail"]


def test_a_phone_that_is_not_e164_is_refused(stack: Stack) -> None:
    message = {"store_id": stack.demo_store_id, "phone": "0812345", "body": "Halo"}
    response = httpx.post(f"{stack.functions_url}/simulator/api/send", json=message, timeout=15)

    assert response.status_code == 422
