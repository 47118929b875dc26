"""GDPR for one customer: GET …/customers/{id}/export (a zip with JSON, CSV and the kept media) and
POST …/customers/{id}/erase (owners only), and the same for the WordPress plugin by e-mail through the
store API key; against the stack's database and its moto S3 (real boto3)."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import zipfile
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa.channels.twilio.signature import sign
from sapa.stores.keys import key_hash, key_prefix, new_api_key
from tests.api.inbox import Db, Shop, new_phone

WEBHOOK = "http://testserver/webhooks/twilio"


pytestmark = pytest.mark.usefixtures("stack_s3")


def _s3() -> Any:
    return boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1")


def _object_exists(key: str) -> bool:
    listing = _s3().list_objects_v2(Bucket=os.environ["KNOWLEDGE_BUCKET"], Prefix=key)
    return any(item["Key"] == key for item in listing.get("Contents", []))


def _webhook(api: TestClient, shop: Shop, phone: str, body: str, **extra: str) -> None:
    """A WhatsApp message from `phone` through the real Twilio webhook route, signed with the shop token."""
    sid = "SM" + secrets.token_hex(16)
    form = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": f"whatsapp:{shop.number}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": "Siti Rahayu",
        "WaId": phone.lstrip("+"),
    } | extra
    response = api.post(
        WEBHOOK, data=form, headers={"X-Twilio-Signature": sign(WEBHOOK, form, "inbox-test-token")}
    )
    assert response.status_code == 200, response.text


def _customer_with_history(api: TestClient, shop: Shop, db: Db, service_client: Client) -> dict[str, Any]:
    """A customer who wrote twice (once with a photo Sapa kept), has a note, a ticket and a paid order."""
    phone, email, photo = (
        new_phone(),
        f"siti-{secrets.token_hex(3)}@example.com",
        b"\xff\xd8" + secrets.token_bytes(48),
    )
    _webhook(api, shop, phone, "Alamat saya Jl. Melati 5, Bandung")
    _webhook(
        api,
        shop,
        phone,
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )
    customer = db.execute(
        "select * from customers where store_id = %s and phone = %s", (shop.id, phone)
    ).fetchone()
    assert customer is not None
    db.execute("update customers set email = %s, external_id = 4242 where id = %s", (email, customer["id"]))
    conversation = db.execute(
        "select id from conversations where customer_id = %s", (customer["id"],)
    ).fetchone()
    assert conversation is not None
    photo_message = db.execute(
        "select id from messages where conversation_id = %s and media <> '[]'", (conversation["id"],)
    ).fetchone()
    assert photo_message is not None
    key = f"media/{shop.id}/{photo_message['id']}/0.jpg"
    _s3().put_object(Bucket=os.environ["KNOWLEDGE_BUCKET"], Key=key, Body=photo, ContentType="image/jpeg")
    service_client.rpc(
        "record_message_media",
        {
            "p_message_id": str(photo_message["id"]),
            "p_index": 0,
            "p_result": {"status": "unsupported", "storage_key": key, "size_bytes": len(photo)},
        },
    ).execute()
    db.execute(
        "insert into conversation_notes (store_id, conversation_id, body) values (%s, %s, 'Siti"
        " prefers evenings')",
        (shop.id, conversation["id"]),
    )
    db.execute(
        "insert into tickets (store_id, conversation_id, subject) values (%s, %s, 'Refund for Siti')",
        (shop.id, conversation["id"]),
    )
    order = db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id,"
        " billing_name,"
        " billing_phone, billing_email, created_at, date_modified)"
        " values (%s, 9001, '9001', 'completed', 250000, 'IDR', %s, 'Siti Rahayu', %s, %s, now(),"
        " now()) returning id",
        (shop.id, customer["id"], phone, email),
    ).fetchone()
    assert order is not None
    return {
        "id": str(customer["id"]),
        "phone": phone,
        "email": email,
        "photo": photo,
        "key": key,
        "order": str(order["id"]),
    }


def audit_time(db: Db, shop: Shop) -> Any:
    row = db.execute(
        "select created_at from audit_log where store_id = %s and action = 'customer.erased'", (shop.id,)
    ).fetchone()
    assert row is not None
    return row["created_at"]


def _audit(db: Db, shop: Shop, action: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select actor_id::text, target_id, details from audit_log where store_id = %s and action = %s",
            (shop.id, action),
        )
    ]


def test_an_owner_exports_a_customer_as_a_zip_with_their_media(
    api: TestClient, shop: Shop, db: Db, service_client: Client
) -> None:
    customer = _customer_with_history(api, shop, db, service_client)

    response = api.get(shop.url(f"customers/{customer['id']}/export"), headers=shop.owner.headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("customer.json"))
    assert data["customers"][0]["phone"] == customer["phone"]
    inbound = [m["body"] for m in data["messages"] if m["sender"] == "customer"]
    assert inbound == ["Alamat saya Jl. Melati 5, Bandung", ""]
    assert [n["body"] for n in data["conversation_notes"]] == ["Siti prefers evenings"]
    assert data["orders"][0]["billing_email"] == customer["email"]
    assert archive.read(customer["key"]) == customer["photo"]
    orders_csv = list(csv.DictReader(io.StringIO(archive.read("orders.csv").decode())))
    assert orders_csv[0]["billing_name"] == "Siti Rahayu"
    assert {"customers.csv", "conversations.csv", "messages.csv", "tickets.csv"} <= set(archive.namelist())
    [audit] = _audit(db, shop, "customer.exported")
    assert (audit["actor_id"], audit["target_id"]) == (shop.owner.id, customer["id"])
    assert audit["details"]["rows"]["messages"] == len(data["messages"])


def test_only_owners_export_or_erase(api: TestClient, shop: Shop, db: Db, service_client: Client) -> None:
    customer = _customer_with_history(api, shop, db, service_client)
    for person in (shop.admin, shop.agent, shop.stranger):
        assert (
            api.get(shop.url(f"customers/{customer['id']}/export"), headers=person.headers).status_code == 403
        )
        assert (
            api.post(shop.url(f"customers/{customer['id']}/erase"), headers=person.headers).status_code == 403
        )
    assert api.post(shop.url(f"customers/{customer['id']}/erase")).status_code == 401
    unknown = api.post(
        shop.url("customers/00000000-0000-4000-8000-000000000000/erase"), headers=shop.owner.headers
    )
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "this store has no such customer")

    after = db.execute("select phone, erased_at from customers where id = %s", (customer["id"],)).fetchone()
    assert after == {"phone": customer["phone"], "erased_at": None}
    assert _audit(db, shop, "customer.erased") == [] and _audit(db, shop, "customer.exported") == []
    assert _object_exists(customer["key"])


def test_erase_then_the_same_phone_writing_again_is_a_fresh_customer(
    api: TestClient, shop: Shop, db: Db, service_client: Client
) -> None:
    customer = _customer_with_history(api, shop, db, service_client)

    count = (
        "select count(*) as n from messages m join conversations c on c.id = m.conversation_id"
        " where c.customer_id = %s"
    )
    before = db.execute(count, (customer["id"],)).fetchone()
    assert before is not None

    response = api.post(shop.url(f"customers/{customer['id']}/erase"), headers=shop.owner.headers)

    assert response.status_code == 200, response.text
    erased = response.json()["erased"]
    assert (
        erased["customers"] == 1
        and erased["messages"] >= before["n"] >= 2
        and erased["conversation_notes"] == 1
    )
    assert erased["orders"] == 1 and erased["tickets"] == 1
    assert not _object_exists(customer["key"])
    tombstone = db.execute(
        "select phone, name, email, external_id, erased_at from customers where id = %s", (customer["id"],)
    ).fetchone()
    assert tombstone is not None and tombstone["erased_at"] is not None
    assert (tombstone["phone"], tombstone["name"], tombstone["email"], tombstone["external_id"]) == (
        None,
        None,
        None,
        None,
    )
    left = db.execute(
        "select m.body, m.media from messages m join conversations c on c.id = m.conversation_id"
        " where c.customer_id = %s and m.created_at <= %s",
        (customer["id"], audit_time(db, shop)),
    ).fetchall()
    assert left == [{"body": "", "media": []}] * before["n"]
    order = db.execute(
        "select total, billing_name, billing_phone, billing_email, customer_id from orders where id = %s",
        (customer["order"],),
    ).fetchone()
    assert order is not None
    assert (order["billing_name"], order["billing_phone"], order["billing_email"]) == (None, None, None)
    assert (float(order["total"]), str(order["customer_id"])) == (250000.0, customer["id"])
    [audit] = _audit(db, shop, "customer.erased")
    assert audit["actor_id"] == shop.owner.id and audit["details"]["media_objects"] == 1

    _webhook(api, shop, customer["phone"], "Halo lagi")

    fresh = db.execute(
        "select id, phone from customers where store_id = %s and phone = %s", (shop.id, customer["phone"])
    ).fetchone()
    assert fresh is not None and str(fresh["id"]) != customer["id"]
    conversations = db.execute(
        "select count(*) as n from conversations where customer_id = %s", (fresh["id"],)
    ).fetchone()
    assert conversations == {"n": 1}
    again = api.post(shop.url(f"customers/{customer['id']}/erase"), headers=shop.owner.headers)
    assert again.status_code == 200, "erasing a tombstone again is harmless"


def _plugin_key(db: Db, shop: Shop) -> dict[str, str]:
    key = new_api_key()
    db.execute(
        "insert into store_api_keys (store_id, key_hash, key_prefix) values (%s, %s, %s)",
        (shop.id, key_hash(key), key_prefix(key)),
    )
    return {"Authorization": f"Bearer {key}"}


def test_the_wordpress_plugin_exports_and_erases_by_email(
    api: TestClient, shop: Shop, db: Db, service_client: Client
) -> None:
    customer = _customer_with_history(api, shop, db, service_client)
    headers = _plugin_key(db, shop)

    exported = api.get(
        "/stores/me/customers/export", params={"email": customer["email"].upper()}, headers=headers
    )
    nobody = api.get("/stores/me/customers/export", params={"email": "nobody@example.com"}, headers=headers)
    bad = api.post("/stores/me/customers/erase", json={"email": "not an address"}, headers=headers)
    unauthenticated = api.post("/stores/me/customers/erase", json={"email": customer["email"]})

    assert exported.status_code == 200, exported.text
    [found] = exported.json()["customers"]
    assert found["id"] == customer["id"] and found["data"]["customers"][0]["email"] == customer["email"]
    assert nobody.json() == {"customers": []}
    assert bad.status_code == 422 and unauthenticated.status_code == 401
    assert db.execute("select erased_at from customers where id = %s", (customer["id"],)).fetchone() == {
        "erased_at": None
    }

    erased = api.post("/stores/me/customers/erase", json={"email": customer["email"]}, headers=headers)

    assert erased.status_code == 200, erased.text
    assert [c["id"] for c in erased.json()["customers"]] == [customer["id"]]
    assert not _object_exists(customer["key"])
    [audit] = _audit(db, shop, "customer.erased")
    assert audit["actor_id"] is None and audit["details"]["via"] == "wordpress"
    second = api.post("/stores/me/customers/erase", json={"email": customer["email"]}, headers=headers)
    assert second.json() == {"customers": []}, "an erased customer is no longer found by their e-mail"
