"""Private notes: stored for the team, audited, never sent, and only for members of the store."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.inbox import Db, Shop, audits, messages, new_conversation, use_twilio_account
from tests.channels.test_twilio_sender import FakeTwilio


def test_a_note_is_stored_for_the_team_and_never_sent(
    api: TestClient, db: Db, shop: Shop, twilio: FakeTwilio
) -> None:
    use_twilio_account(db, shop.id, "AC" + "7e" * 16)  # sending would reach the fake Twilio
    conversation_id = new_conversation(db, shop.id)

    response = api.post(
        shop.url(f"conversations/{conversation_id}/notes"),
        headers=shop.agent.headers,
        json={"body": "  Pelanggan VIP, kirim ulang gratis.  "},
    )

    assert response.status_code == 201, response.text
    note = response.json()
    assert (note["body"], note["author_id"], note["conversation_id"]) == (
        "Pelanggan VIP, kirim ulang gratis.",
        shop.agent.id,
        conversation_id,
    )
    stored = db.execute("select body from conversation_notes where id = %s", (note["id"],)).fetchone()
    assert stored == {"body": "Pelanggan VIP, kirim ulang gratis."}
    assert twilio.requests == []
    assert [m for sender in ("agent", "bot", "system") for m in messages(db, conversation_id, sender)] == []
    [audit] = audits(db, shop.id)
    assert (audit["action"], audit["target_id"]) == ("conversation.note_added", note["id"])
    assert "Pelanggan VIP" not in str(audit["details"])  # the audit log does not copy the note


def test_only_members_add_notes_and_only_to_their_stores_conversations(
    api: TestClient, db: Db, shop: Shop
) -> None:
    mine = new_conversation(db, shop.id)
    theirs = new_conversation(db, shop.other_store_id)

    stranger = api.post(
        shop.url(f"conversations/{mine}/notes"), headers=shop.stranger.headers, json={"body": "x"}
    )
    elsewhere = api.post(
        shop.url(f"conversations/{theirs}/notes"), headers=shop.agent.headers, json={"body": "x"}
    )
    empty = api.post(shop.url(f"conversations/{mine}/notes"), headers=shop.agent.headers, json={"body": " "})

    assert (stranger.status_code, elsewhere.status_code, empty.status_code) == (403, 404, 422)
    assert db.execute("select count(*) as n from conversation_notes where body = 'x'").fetchone() == {"n": 0}
