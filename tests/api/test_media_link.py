"""GET /api/stores/{store_id}/messages/{message_id}/media/{index}: a short-lived link to the copy of a
customer's attachment that the worker kept in object storage (the stack's moto S3, real boto3)."""

from __future__ import annotations

import os
import secrets

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from supabase import Client

from tests.api.inbox import Shop

pytestmark = pytest.mark.usefixtures("stack_s3")


def _message_with_kept_voice_note(service_client: Client, shop: Shop, data: bytes) -> str:
    params = {
        "p_to_phone": shop.number,
        "p_from_phone": "+62878" + "".join(secrets.choice("0123456789") for _ in range(7)),
        "p_profile_name": "Ayu",
        "p_message_sid": "SM" + secrets.token_hex(16),
        "p_body": "",
        "p_media": [
            {
                "url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
                "content_type": "audio/ogg",
            },
            {
                "url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
                "content_type": "video/mp4",
            },
        ],
    }
    [row] = service_client.rpc("ingest_whatsapp_message", params).execute().data  # type: ignore[misc]
    message_id = str(row["message_id"])  # type: ignore[call-overload,index]
    key = f"media/{shop.id}/{message_id}/0.oga"
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1")
    s3.put_object(Bucket=os.environ["KNOWLEDGE_BUCKET"], Key=key, Body=data, ContentType="audio/ogg")
    for index, result in enumerate(
        [
            {"status": "unsupported", "storage_key": key, "size_bytes": len(data)},
            {"status": "oversized", "size_bytes": 99_000_000},
        ]
    ):
        params = {"p_message_id": message_id, "p_index": index, "p_result": result}
        service_client.rpc("record_message_media", params).execute()
    return message_id


def test_a_member_gets_a_short_lived_link_to_the_kept_attachment(
    api: TestClient, shop: Shop, service_client: Client
) -> None:
    voice = b"OggS" + secrets.token_bytes(64)
    message_id = _message_with_kept_voice_note(service_client, shop, voice)

    response = api.get(shop.url(f"messages/{message_id}/media/0"), headers=shop.agent.headers)

    assert response.status_code == 200, response.text
    link = response.json()
    assert link["content_type"] == "audio/ogg" and link["expires_in"] == 300
    assert "X-Amz-Signature=" in link["url"] or "Signature=" in link["url"]
    assert httpx.get(link["url"], timeout=10).content == voice


def test_an_item_not_kept_or_missing_is_404_and_strangers_get_nothing(
    api: TestClient, shop: Shop, service_client: Client
) -> None:
    message_id = _message_with_kept_voice_note(service_client, shop, b"OggS")

    not_kept = api.get(shop.url(f"messages/{message_id}/media/1"), headers=shop.agent.headers)
    missing = api.get(shop.url(f"messages/{message_id}/media/2"), headers=shop.agent.headers)
    stranger = api.get(shop.url(f"messages/{message_id}/media/0"), headers=shop.stranger.headers)
    other_store = api.get(
        shop.url(f"messages/{message_id}/media/0", store_id=shop.other_store_id),
        headers=shop.stranger.headers,
    )
    anonymous = api.get(shop.url(f"messages/{message_id}/media/0"))

    assert (not_kept.status_code, not_kept.json()["detail"]) == (404, "this attachment was not kept by Sapa")
    assert missing.status_code == 404
    assert stranger.status_code == 403
    assert other_store.status_code == 404  # a member of the other store: not a message of theirs
    assert anonymous.status_code == 401
