"""The reply job (the worker's path) answers under the store's saved assistant settings: the classifier's
confidence reaches the confidence rule, and "assistant off" hands the conversation to the team."""

from __future__ import annotations

from supabase import Client

from sapa.assistant import answer
from sapa.assistant.settings import AssistantSettings
from sapa.channels.twilio.sender import TwilioSender
from sapa.classify.client import InProcessClassifier
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.settings import Settings
from tests.api.inbox import Db, Shop
from tests.conversations.test_reply_guard import _inbound


def _save(service_client: Client, shop: Shop, **changes: object) -> None:
    settings = AssistantSettings.model_validate(changes).as_json()
    params = {"p_store_id": shop.id, "p_settings": settings, "p_actor_id": shop.owner.id}
    service_client.rpc("save_assistant_settings", params).execute()


def _bot_reply(db: Db, message_id: str) -> tuple[str, dict[str, object], str]:
    row = db.execute(
        "select m.body, m.metadata, c.status::text as status from messages m"
        " join conversations c on c.id = m.conversation_id where m.reply_to = %s",
        (message_id,),
    ).fetchone()
    assert row is not None, "the bot did not reply"
    return row["body"], row["metadata"], row["status"]


def test_the_classifiers_confidence_reaches_the_confidence_rule(
    db: Db, service_client: Client, shop: Shop, offline_settings: Settings
) -> None:
    deps = ReplyDeps(
        service_client,
        offline_settings,
        TwilioSender(offline_settings),
        answer,
        classifier=InProcessClassifier(),
    )
    _save(service_client, shop, handoff_min_confidence=1.0)  # no calibrated confidence reaches 1.0

    message = _inbound(service_client, shop, "Oke kak, makasih")
    assert reply_to_message(deps, message) == "done"

    body, metadata, status = _bot_reply(db, message)
    label = db.execute("select label_confidence from messages where id = %s", (message,)).fetchone()
    assert label is not None and label["label_confidence"] is not None
    assert status == "human", "handed to the team"
    assert "belum bisa saya jawab sendiri" in body and metadata["responder"] == "offline"


def test_assistant_off_hands_every_conversation_to_the_team(
    db: Db, service_client: Client, shop: Shop, offline_settings: Settings
) -> None:
    deps = ReplyDeps(service_client, offline_settings, TwilioSender(offline_settings), answer)
    _save(service_client, shop, name="Dewi", enabled=False)

    message = _inbound(service_client, shop, "Halo kak, ada batik tulis?")
    assert reply_to_message(deps, message) == "done"

    body, _, status = _bot_reply(db, message)
    assert status == "human"
    assert (
        body
        == "Terima kasih sudah menghubungi Inbox Test Shop 🙏 Tim kami akan membalas di chat ini secepatnya."
    )
