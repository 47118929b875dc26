"""The pipeline after the channel does not know the provider: a Meta customer's message goes through the
same reply job (classifier-free here, offline responder) and the answer goes out through the Graph API
stand-in; a photo sent through Meta is fetched with the store's token and read like Twilio's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from supabase import Client

from sapa.assistant import answer
from sapa.channels.router import ChannelSender
from sapa.channels.twilio.media import MediaDeps, TwilioMediaClient
from sapa.conversations.reply import ReplyDeps, reply_to_message
from sapa.knowledge.storage import ObjectStore
from sapa.settings import Settings
from tests.api.conftest import RecordingQueue
from tests.api.inbox import Db, new_phone
from tests.channels.fake_graph import VERSION, FakeGraph
from tests.channels.meta import payloads
from tests.channels.meta.conftest import ACCESS_TOKEN, MetaShop, messages_of, post_webhook
from tests.channels.test_media import png_with_text

BUCKET = "sapa-meta-media-test"


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


@pytest.fixture
def reply_deps(service_client: Client, meta_settings: Settings, s3: Any) -> Iterator[ReplyDeps]:
    media = TwilioMediaClient()
    sender = ChannelSender(meta_settings, service_client)
    yield ReplyDeps(
        service_client,
        meta_settings,
        sender,
        answer,
        media=MediaDeps(service_client, ObjectStore(s3, BUCKET), media),
    )
    media.close()


def test_the_assistant_answers_a_meta_customer_through_the_graph_api(
    api: TestClient,
    meta_shop: MetaShop,
    db: Db,
    graph: FakeGraph,
    jobs: RecordingQueue,
    reply_deps: ReplyDeps,
) -> None:
    wa_id = new_phone("+62859").removeprefix("+")
    text = {"type": "text", "text": {"body": "Halo kak, tokonya buka jam berapa?"}}
    assert (
        post_webhook(
            api, payloads.inbound(meta_shop.phone_number_id, wa_id, text), meta_shop.app_secret
        ).status_code
        == 200
    )
    ((store_id, message_id),) = jobs.replies

    assert reply_to_message(reply_deps, message_id) == "done"

    replies = [row for row in messages_of(db, store_id) if row["direction"] == "outbound"]
    assert replies and all(row["sender"] == "bot" for row in replies)
    assert len(graph.sent) == len(replies)
    for request, row in zip(graph.sent, replies, strict=True):
        assert request["path"] == f"/{VERSION}/{meta_shop.phone_number_id}/messages"
        assert request["authorization"] == f"Bearer {ACCESS_TOKEN}"
        assert request["json"]["to"] == wa_id
        assert request["json"]["text"]["body"] == row["body"]
        assert row["status"] == "queued" and row["provider_message_id"].startswith("wamid.")
    # A second run (a redelivered job) sends nothing again.
    assert reply_to_message(reply_deps, message_id) is None
    assert len(graph.sent) == len(replies)


def test_a_photo_through_meta_is_fetched_with_the_stores_token_and_read(
    api: TestClient,
    meta_shop: MetaShop,
    db: Db,
    graph: FakeGraph,
    jobs: RecordingQueue,
    reply_deps: ReplyDeps,
    s3: Any,
) -> None:
    media_id = graph.add_media("image/png", png_with_text(["NO RESI JX1234567890"]))
    photo = {"type": "image", "image": {"mime_type": "image/png", "sha256": "x", "id": media_id}}
    payload = payloads.inbound(meta_shop.phone_number_id, new_phone("+62859").removeprefix("+"), photo)
    assert post_webhook(api, payload, meta_shop.app_secret).status_code == 200
    ((_, message_id),) = jobs.replies

    reply_to_message(reply_deps, message_id)

    (item,) = db.execute("select media from messages where id = %s", (message_id,)).fetchone()["media"]
    assert item["status"] == "extracted", item
    assert "JX1234567890" in item["text"].replace(" ", "")
    stored = s3.get_object(Bucket=BUCKET, Key=item["storage_key"])["Body"].read()
    assert stored == graph.media[media_id][1]
