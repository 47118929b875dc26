"""The guard's decision travels with the reply: stored in each part's metadata by the reply job and
counted per store by the SQL functions analysts and the KPI page read (migration 40)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from supabase import Client

from sapa.assistant import answer
from sapa.channels.twilio.sender import TwilioSender
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.settings import Settings
from tests.api.inbox import Db, Shop, new_phone
from tests.assistant.fake_openai import FakeOpenAI, reply, tool_call_as_text


def _inbound(service_client: Client, shop: Shop, body: str) -> str:
    params = {
        "p_to_phone": shop.number,
        "p_from_phone": new_phone(),
        "p_profile_name": "Rina",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": body,
        "p_media": [],
    }
    [row] = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    return str(row["message_id"])  # type: ignore[call-overload,index]


def test_the_guards_decision_is_stored_and_counted(
    db: Db, service_client: Client, shop: Shop, llm_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    deps = ReplyDeps(service_client, llm_settings, TwilioSender(llm_settings), answer)
    debris = tool_call_as_text("unknown_tool", reason="x")["content"]
    fake_openai.script(reply("Halo kak! Ada yang bisa dibantu? 😊"), reply(debris), reply(debris))

    # Not a bare "Halo kak": a new conversation's greeting is the shop's (settings), not the model's.
    passed = _inbound(service_client, shop, "Oke kak, makasih")
    assert reply_to_message(deps, passed) == "done"
    replaced = _inbound(service_client, shop, "Hai, ada info?")
    assert reply_to_message(deps, replaced) == "done"

    stored = {
        row["reply_to"]: row
        for row in db.execute(
            "select reply_to::text, body, metadata from messages where reply_to in (%s, %s)",
            (passed, replaced),
        ).fetchall()
    }
    assert stored[passed]["metadata"]["guard"] == {"decision": "passed", "reasons": [], "refusals": []}
    assert stored[passed]["body"] == "Halo kak! Ada yang bisa dibantu? 😊"
    guard = stored[replaced]["metadata"]["guard"]
    assert guard["decision"] == "replaced" and "tool_syntax" in guard["reasons"]
    assert stored[replaced]["metadata"]["fallback_reason"] == "GuardRefusedError"
    assert "unknown_tool" not in stored[replaced]["body"]

    now = datetime.now(UTC)
    period = {
        "p_store_id": shop.id,
        "p_from": (now - timedelta(hours=1)).isoformat(),
        "p_to": now.isoformat(),
    }
    [rate] = service_client.rpc("guard_refusal_rate", period).execute().data  # type: ignore[misc]
    assert rate == {"value": 0.5, "numerator": 1, "denominator": 2}
    reasons = service_client.rpc("guard_reasons", period).execute().data
    assert {"decision": "passed", "reason": None, "replies": 1} in reasons  # type: ignore[operator]
    assert {"decision": "replaced", "reason": "tool_syntax", "replies": 1} in reasons  # type: ignore[operator]
