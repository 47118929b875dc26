"""The whole store as one archive and back: POST /api/stores/{id}/backups (owners) writes it in the
background to the stack's object storage (moto S3, real boto3), GET …/backups/{id} gives a short-lived
link; `sapa store import ARCHIVE --store ID` restores it into an empty store: same counts, same KPIs, the
same consent history, and the broadcasts and order updates as history that is never sent again."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from supabase import Client

from sapa import cli
from sapa.api.deps import get_reply_queue
from sapa.broadcasts.worker import BroadcastDeps, RunReport, run_due
from sapa.db import rows
from sapa.jobs.queue import Job, lane_of
from sapa.jobs.worker import handle
from sapa.privacy.backup import FORMAT_VERSION, TABLES
from sapa.settings import get_settings
from tests.api.inbox import Db, Shop, add_message, new_phone, use_twilio_account
from tests.broadcasts.factories import VARIABLES, add_template
from tests.broadcasts.fake_twilio import FakeTwilioMessages
from tests.customers.list_rows import assert_same

KPIS = (
    "bot_first_response",
    "human_first_response",
    "bot_resolution",
    "escalation",
    "conversion",
    "retention",
    "aov",
    "acquisition",
    "label_mix",
)


pytestmark = pytest.mark.usefixtures("stack_s3")


class JobQueue:
    """The app's queue, keeping the jobs so the test runs them through the worker's dispatch."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def enqueue(self, job: Job) -> None:
        self.jobs.append(job)

    def run(self) -> None:
        while self.jobs:
            handle(self.jobs.pop(0))


@pytest.fixture
def queue(api: TestClient) -> JobQueue:
    jobs = JobQueue()
    api.app.dependency_overrides[get_reply_queue] = lambda: jobs  # type: ignore[attr-defined]
    return jobs


def _s3_get(key: str) -> bytes:
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1")
    body: bytes = s3.get_object(Bucket=os.environ["KNOWLEDGE_BUCKET"], Key=key)["Body"].read()
    return body


def _fill_store(db: Db, store_id: str) -> None:
    """A small shop: customers who wrote (bot-resolved, handed off, still open), paid and cancelled orders,
    a product, a ticket, a note, a knowledge document with its file and a passage."""
    db.execute(
        "update stores set bot_persona = 'Ramah dan singkat', timezone = 'Asia/Makassar' where id = %s",
        (store_id,),
    )
    product = db.execute(
        "insert into products (store_id, external_id, name, price) values (%s, 77, 'Kemeja Batik',"
        " 150000) returning id",
        (store_id,),
    ).fetchone()
    assert product is not None
    start = datetime.now(UTC) - timedelta(days=10)
    for n, (status, handed_off) in enumerate(
        (("resolved", False), ("resolved", True), ("human", True), ("bot", False))
    ):
        at = start + timedelta(days=2 * n)
        customer = db.execute(
            "insert into customers (store_id, phone, name, first_seen_at) values (%s, %s, %s, %s)"
            " returning id",
            (store_id, new_phone(), f"Pelanggan {n}", at),
        ).fetchone()
        assert customer is not None
        conversation = db.execute(
            "insert into conversations (store_id, customer_id, status, created_at, handed_off_at,"
            " resolved_at, resolution)"
            " values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                store_id,
                customer["id"],
                status,
                at,
                at + timedelta(minutes=3) if handed_off else None,
                at + timedelta(hours=1) if status == "resolved" else None,
                ("human" if handed_off else "bot_confirmed") if status == "resolved" else None,
            ),
        ).fetchone()
        assert conversation is not None
        add_message(
            db,
            store_id,
            conversation["id"],
            "Pesanan saya di mana?",
            at=at,
            category="delivery",
            urgency="medium",
        )
        add_message(
            db, store_id, conversation["id"], "Sedang dikirim.", sender="bot", at=at + timedelta(seconds=20)
        )
        if handed_off:
            add_message(
                db, store_id, conversation["id"], "Saya cek ya.", sender="agent", at=at + timedelta(minutes=9)
            )
            db.execute(
                "insert into tickets (store_id, conversation_id, subject) values (%s, %s, 'Paket hilang')",
                (store_id, conversation["id"]),
            )
            db.execute(
                "insert into conversation_notes (store_id, conversation_id, body) values (%s, %s,"
                " 'Hubungi kurir')",
                (store_id, conversation["id"]),
            )
        order = db.execute(
            "insert into orders (store_id, external_id, number, status, total, currency,"
            " customer_id, created_at,"
            " date_modified) values (%s, %s, %s, %s, %s, 'IDR', %s, %s, %s) returning id",
            (
                store_id,
                500 + n,
                str(500 + n),
                "cancelled" if n == 3 else "completed",
                150000 * (n + 1),
                customer["id"],
                at + timedelta(hours=2),
                at + timedelta(hours=2),
            ),
        ).fetchone()
        assert order is not None
        db.execute(
            "insert into order_items (store_id, order_id, product_id, external_id, name, quantity,"
            " unit_price, total)"
            " values (%s, %s, %s, 1, 'Kemeja Batik', %s, 150000, %s)",
            (store_id, order["id"], product["id"], n + 1, 150000 * (n + 1)),
        )
    document = db.execute(
        "insert into knowledge_documents (store_id, title, filename, content_type, size_bytes,"
        " storage_key, status)"
        " values (%s, 'Kebijakan retur', 'retur.txt', 'text/plain', 20, 'pending', 'ready')"
        " returning id::text",
        (store_id,),
    ).fetchone()
    assert document is not None
    key = f"knowledge/{store_id}/{document['id']}/retur.txt"
    db.execute("update knowledge_documents set storage_key = %s where id = %s", (key, document["id"]))
    s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT_URL"], region_name="us-east-1")
    s3.put_object(Bucket=os.environ["KNOWLEDGE_BUCKET"], Key=key, Body=b"Retur dalam 7 hari.")
    db.execute(
        "insert into knowledge_chunks (store_id, document_id, ordinal, content, embedding, embedding_model)"
        " values (%s, %s, 0, 'Retur dalam 7 hari.', %s, 'test')",
        (store_id, document["id"], json.dumps([0.01 * (i % 7) for i in range(384)])),
    )
    # The customers page's labels and notes, and a segment whose rule names the product by its id.
    first = db.execute(
        "select id from customers where store_id = %s order by first_seen_at limit 1", (store_id,)
    ).fetchone()
    assert first is not None
    db.execute(
        "insert into customer_labels (store_id, customer_id, label)"
        " values (%s, %s, 'vip'), (%s, %s, 'reseller')",
        (store_id, first["id"], store_id, first["id"]),
    )
    db.execute(
        "insert into customer_notes (store_id, customer_id, body) values (%s, %s, 'Suka batik tulis')",
        (store_id, first["id"]),
    )
    rules = {"all": [{"field": "bought_product", "op": "=", "value": str(product["id"])}]}
    db.execute(
        "insert into segments (store_id, name, rules) values (%s, 'Pembeli kemeja', %s)",
        (store_id, json.dumps(rules)),
    )


NOTIFICATION_BODY = "Halo {{1}}, pesanan #{{2}} {{3}}"
NOTIFICATION_VARIABLES = {"1": "{{first_name}}", "2": "{{order_number}}", "3": "{{total}}"}


def _turn_on_notifications(db: Db, store_id: str, template: str | None = None) -> None:
    """Order updates for completed orders and checkout reminders, on since before the shop's orders, with
    `template` (else a new Twilio one)."""
    template = template or add_template(db, store_id, NOTIFICATION_BODY)
    kind = {
        "enabled": True,
        "template_id": template,
        "variables": NOTIFICATION_VARIABLES,
        "enabled_at": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
    }
    settings = {
        "events": {"completed": kind},
        "abandoned_checkout": kind | {"after_minutes": 60, "second_after_hours": 24},
        "quiet_hours": {"start": "23:58", "end": "23:59"},
    }
    db.execute("select set_notification_settings(%s, %s)", (store_id, json.dumps(settings)))


def _send_due(supabase: Client, fake: FakeTwilioMessages) -> RunReport:
    """The proactive sender (broadcasts, order updates, reminders) once, through the fake Twilio."""
    settings = get_settings().model_copy(
        update={"twilio_api_base_url": fake.url, "broadcast_messages_per_second": 200.0}
    )
    return run_due(BroadcastDeps.from_settings(supabase, settings))


def _conversation_of(db: Db, store_id: str, name: str) -> dict[str, Any]:
    row = db.execute(
        "select c.id::text as customer_id, v.id::text as conversation_id from customers c"
        " join conversations v on v.customer_id = c.id where c.store_id = %s and c.name = %s",
        (store_id, name),
    ).fetchone()
    assert row is not None
    return dict(row)


def _fill_history(db: Db, shop: Shop, supabase: Client, fake: FakeTwilioMessages) -> None:
    """After _fill_store (with notifications on before it): consent given at checkout then withdrawn by
    STOP, given by an agent, withdrawn and given again on WhatsApp; a pending checkout; the due order
    updates sent through the fake Twilio; a broadcast sent and one scheduled."""
    given_at = datetime.now(UTC) - timedelta(days=5)
    for name, source in (("Pelanggan 0", "checkout"), ("Pelanggan 1", "agent")):
        with db.transaction():
            db.execute("select private.with_consent_source(%s)", (source,))
            db.execute(
                "update customers set marketing_opt_in = true, marketing_opt_in_at = %s"
                " where store_id = %s and name = %s",
                (given_at, shop.id, name),
            )
    for name, words in (("Pelanggan 0", ("stop",)), ("Pelanggan 2", ("berhenti", "mulai"))):
        conversation = _conversation_of(db, shop.id, name)["conversation_id"]
        for word in words:
            add_message(db, shop.id, conversation, word)
    pending = _conversation_of(db, shop.id, "Pelanggan 3")["customer_id"]
    db.execute(
        "insert into orders (store_id, external_id, number, status, total, currency, customer_id, created_at,"
        " date_modified, whatsapp_number_given) values (%s, 600, '600', 'pending', 99000, 'IDR', %s, now(),"
        " now(), true)",
        (shop.id, pending),
    )
    template = add_template(db, shop.id)
    for name, send_at in (("Promo A", None), ("Promo B", datetime.now(UTC) + timedelta(days=1))):
        created = db.execute(
            "select create_broadcast(%s, %s, %s, %s, null, %s, %s) ->> 'id' as id",
            (shop.id, shop.owner.id, name, template, json.dumps(VARIABLES), send_at),
        ).fetchone()
        assert created is not None
        db.execute("select send_broadcast(%s, %s, %s)", (shop.id, shop.owner.id, created["id"]))
    _send_due(supabase, fake)
    _send_due(supabase, fake)  # the claim after the last send completes Promo A
    db.execute(
        "update messages set status = 'delivered' where id = (select m.id from messages m"
        " where m.store_id = %s and m.metadata ? 'broadcast_recipient_id' order by m.created_at limit 1)",
        (shop.id,),
    )


def _consent(db: Db, store_id: str) -> dict[str, Any]:
    """Per customer (by phone): the consent columns and the history, each event's message by its text."""
    found: dict[str, Any] = {
        row["phone"]: {
            "now": (row["marketing_opt_in"], row["marketing_opt_in_at"], row["opted_out_at"]),
            "events": [],
        }
        for row in db.execute(
            "select phone, marketing_opt_in, marketing_opt_in_at, opted_out_at from customers"
            " where store_id = %s",
            (store_id,),
        )
    }
    for row in db.execute(
        "select c.phone, e.given, e.source::text, e.occurred_at, m.body, m.created_at as message_at"
        " from customer_consent_events e join customers c on c.id = e.customer_id"
        " left join messages m on m.id = e.message_id and m.store_id = e.store_id"
        " where e.store_id = %s order by e.occurred_at, e.id",
        (store_id,),
    ):
        found[row.pop("phone")]["events"].append(row)
    return found


def _broadcasts(db: Db, store_id: str) -> list[dict[str, Any]]:
    """Per broadcast and recipient status: how many, and how many keep their message (of this store,
    naming this recipient and broadcast)."""
    return [
        dict(row)
        for row in db.execute(
            "select b.name, b.status::text, b.restored_status::text, t.name as template,"
            " r.status::text as sent, r.skip_reason, count(*) as recipients,"
            " count(m.id) filter (where m.metadata ->> 'broadcast_recipient_id' = r.id::text"
            "   and m.metadata ->> 'broadcast_id' = b.id::text) as messages"
            " from broadcasts b join whatsapp_templates t on t.id = b.template_id"
            " join broadcast_recipients r on r.broadcast_id = b.id"
            " left join messages m on m.id = r.message_id and m.store_id = b.store_id"
            " where b.store_id = %s group by 1, 2, 3, 4, 5, 6 order by 1, 5, 6",
            (store_id,),
        )
    ]


def _notifications(db: Db, store_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in db.execute(
            "select o.number, n.event, n.step, n.status::text, n.skip_reason, m.body, n.sent_at"
            " from order_notifications n join orders o on o.id = n.order_id"
            " left join messages m on m.id = n.message_id and m.store_id = n.store_id"
            " where n.store_id = %s order by 1, 2, 3",
            (store_id,),
        )
    ]


def _notification_settings(db: Db, store_id: str) -> tuple[dict[str, Any], list[datetime]]:
    """The store's notification settings with templates by name, and the enabled kinds' enabled_at apart."""
    row = db.execute("select notification_settings from stores where id = %s", (store_id,)).fetchone()
    assert row is not None
    settings = row["notification_settings"]
    kinds = [*settings["events"].values(), settings["abandoned_checkout"]]
    names = {
        str(t["id"]): t["name"]
        for t in db.execute("select id, name from whatsapp_templates where store_id = %s", (store_id,))
    }
    enabled_at = [datetime.fromisoformat(kind.pop("enabled_at")) for kind in kinds if kind["enabled"]]
    for kind in kinds:
        kind.pop("enabled_at", None)
        kind["template_id"] = names.get(kind["template_id"], kind["template_id"])
    return settings, enabled_at


def _counts(db: Db, store_id: str) -> dict[str, int]:
    return {
        table: db.execute(
            f"select count(*) as n from public.{table} where store_id = %s", (store_id,)
        ).fetchone()["n"]  # type: ignore[index]
        for table in TABLES
    }


def _kpis(service_client: Client, store_id: str) -> dict[str, Any]:
    params = {
        "p_store_id": store_id,
        "p_from": (datetime.now(UTC) - timedelta(days=30)).isoformat(),
        "p_to": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    figures = {name: rows(service_client.rpc(f"kpi_{name}", params).execute().data) for name in KPIS}
    figures["message_volume"] = rows(
        service_client.rpc("kpi_message_volume", params | {"p_bucket": "day"}).execute().data
    )
    return figures


def _empty_store(db: Db) -> str:
    row = db.execute("insert into stores (name) values ('Toko Pindahan') returning id::text").fetchone()
    assert row is not None
    return str(row["id"])


def test_backup_then_import_into_an_empty_store_gives_the_same_counts_and_kpis(
    api: TestClient, queue: JobQueue, shop: Shop, db: Db, service_client: Client, tmp_path: Path
) -> None:
    use_twilio_account(db, shop.id, "AC" + "1" * 32)  # sent through the fake Twilio below
    _turn_on_notifications(db, shop.id)
    _fill_store(db, shop.id)
    with FakeTwilioMessages().running() as fake:
        _fill_history(db, shop, service_client, fake)
    assert api.post(shop.url("backups"), headers=shop.admin.headers).status_code == 403

    started = api.post(shop.url("backups"), headers=shop.owner.headers)

    assert started.status_code == 202, started.text
    assert started.json()["status"] == "working"
    [job] = queue.jobs
    assert (job.type, job.store_id, job.backup_id, lane_of(job)) == (
        "store_backup",
        shop.id,
        started.json()["id"],
        "background",
    )
    queue.run()
    ready = api.get(shop.url(f"backups/{started.json()['id']}"), headers=shop.owner.headers).json()
    assert ready["status"] == "ready", ready
    assert ready["expires_in"] == 900
    archive_path = tmp_path / "store.zip"
    archive_path.write_bytes(httpx.get(ready["url"], timeout=30).content)
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert {"customers.csv", "messages.json", "store.json", "customer_consent_events.json"} <= set(
            archive.namelist()
        )
    source_counts = _counts(db, shop.id)
    assert manifest["format_version"] == FORMAT_VERSION == 2
    assert {table: facts["rows"] for table, facts in manifest["tables"].items()} == source_counts
    assert source_counts["customers"] == 4 and source_counts["broadcasts"] == 2
    history = ("customer_consent_events", "broadcasts", "broadcast_recipients", "order_notifications")
    assert min(source_counts[table] for table in history) > 0, "history to restore"
    assert manifest["schema_version"] >= "20261203000630"
    assert len(manifest["objects"]) == 1
    [audit] = db.execute(
        "select actor_id::text from audit_log where store_id = %s and action = 'store.backup_requested'",
        (shop.id,),
    )
    assert audit["actor_id"] == shop.owner.id

    target = _empty_store(db)
    # The new store sends through a Twilio account of its own (the fake): whatever a restore left due
    # would go out there.
    db.execute("insert into store_credentials (store_id) values (%s)", (target,))
    use_twilio_account(db, target, "AC" + "2" * 32)
    imported_at = datetime.now(UTC)
    try:
        assert cli.main(["store", "import", str(archive_path), "--store", target]) == 0

        assert _counts(db, target) == source_counts
        assert_same(db, target, source_counts["customers"])  # the Customers list as stored (migration 660)
        source_kpis = _kpis(service_client, shop.id)
        assert _kpis(service_client, target) == source_kpis
        # Not equal by being empty: 3 paid orders of 150,000 times 1, 2, 3; 2 of 4 conversations handed off.
        assert source_kpis["aov"][0]["orders"] == 3 and float(source_kpis["aov"][0]["revenue"]) == 900000
        assert (source_kpis["escalation"][0]["numerator"], source_kpis["escalation"][0]["denominator"]) == (
            2,
            4,
        )
        settings = db.execute("select bot_persona, timezone from stores where id = %s", (target,)).fetchone()
        assert settings == {"bot_persona": "Ramah dan singkat", "timezone": "Asia/Makassar"}
        [document] = db.execute("select storage_key from knowledge_documents where store_id = %s", (target,))
        assert document["storage_key"].startswith(f"knowledge/{target}/")
        assert _s3_get(document["storage_key"]) == b"Retur dalam 7 hari."
        members = (
            "select count(*) as n from segments s, private.segment_customers(s.store_id, s.rules)"
            " where s.store_id = %s"
        )
        assert (
            db.execute(members, (target,)).fetchone()
            == db.execute(members, (shop.id,)).fetchone()
            == {"n": 3}
        )

        # The consent history as it was (no event of the import's own), and the consent it ends in.
        source_consent = _consent(db, shop.id)
        assert _consent(db, target) == source_consent
        assert sorted(
            [(e["given"], e["source"], e["body"]) for e in customer["events"]]
            for customer in source_consent.values()
        ) == [
            [],
            [(False, "whatsapp_stop", "berhenti"), (True, "whatsapp_start", "mulai")],
            [(True, "agent", None)],
            [(True, "checkout", None), (False, "whatsapp_stop", "stop")],
        ]

        # Broadcasts as history: the completed one as it was; the scheduled one cancelled (saying it was
        # scheduled), its recipients not sent skipped as cancelled.
        source_broadcasts = _broadcasts(db, shop.id)
        assert {(b["name"], b["status"], b["sent"]) for b in source_broadcasts} >= {
            ("Promo A", "completed", "queued"),
            ("Promo A", "completed", "delivered"),
            ("Promo B", "scheduled", "pending"),
        }
        restored_b = {"status": "cancelled", "restored_status": "scheduled"}
        assert _broadcasts(db, target) == sorted(
            (
                b
                | (restored_b if b["name"] == "Promo B" else {})
                | ({"sent": "skipped", "skip_reason": "cancelled"} if b["sent"] == "pending" else {})
                for b in source_broadcasts
            ),
            key=lambda b: (b["name"], b["sent"], b["skip_reason"] or ""),
        )

        # Order updates as history: what was sent stays sent; what was still to be sent is cancelled.
        source_notifications = _notifications(db, shop.id)
        assert {"sent", "skipped"} <= {n["status"] for n in source_notifications}
        assert ("600", "scheduled") in {(n["number"], n["status"]) for n in source_notifications}
        restored = {"status": "cancelled", "skip_reason": "restored"}
        expected_notifications = [
            n | (restored if n["status"] == "scheduled" else {}) for n in source_notifications
        ]
        assert _notifications(db, target) == expected_notifications

        # The notification settings as they were, turned on from the import on (nothing before it is sent).
        source_settings, _ = _notification_settings(db, shop.id)
        target_settings, enabled_at = _notification_settings(db, target)
        assert target_settings == source_settings
        assert source_settings["events"]["completed"]["enabled"] and source_settings["quiet_hours"]
        assert len(enabled_at) == 2 and min(enabled_at) >= imported_at

        # Nothing of the restored store is due, and the sender sends nothing for it.
        before = _counts(db, target)
        with FakeTwilioMessages().running() as fake:
            _send_due(service_client, fake)
        phones = set(_consent(db, target))
        assert not phones & set(fake.to_numbers()), "nothing sent to the restored store's customers"
        assert _counts(db, target) == before
        assert _notifications(db, target) == expected_notifications

        assert cli.main(["store", "import", str(archive_path), "--store", target]) == 1, (
            "a store with data is refused"
        )
        assert _counts(db, target) == before
    finally:
        db.execute("delete from stores where id = %s", (target,))


def _send_through_meta(db: Db, store_id: str) -> str:
    """The store sends through Meta's Cloud API from now on; an approved Meta template for order updates."""
    digits = str(uuid.uuid4().int)[:15]
    db.execute(
        "update stores set whatsapp_provider = 'meta', whatsapp_number = coalesce(whatsapp_number, %s),"
        " meta_phone_number_id = %s, meta_waba_id = %s where id = %s",
        (new_phone(), digits, digits[::-1], store_id),
    )
    row = db.execute(
        "insert into whatsapp_templates (store_id, provider, name, content_sid, language, body)"
        " values (%s, 'meta', 'order_update', %s, 'id', %s) returning id::text",
        (store_id, digits, NOTIFICATION_BODY),
    ).fetchone()
    assert row is not None
    return str(row["id"])


@pytest.mark.parametrize("source", ["twilio", "meta"], ids=["twilio into meta", "meta into twilio"])
def test_an_import_into_a_store_on_the_other_provider_restores_the_notifications_turned_off(
    api: TestClient, shop: Shop, db: Db, tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    """The archive's order updates and checkout reminders name templates of its store's provider, which a
    store sending through the other one cannot send: they come back turned off, with their templates,
    texts and the rest of the settings, and the import says so. Everything else is restored as usual."""
    _turn_on_notifications(db, shop.id, _send_through_meta(db, shop.id) if source == "meta" else None)
    _fill_store(db, shop.id)
    archive_path = tmp_path / "store.zip"
    assert cli.main(["store", "export", str(archive_path), "--store", shop.id]) == 0
    target = _empty_store(db)
    if source == "twilio":
        _send_through_meta(db, target)
    capsys.readouterr()
    try:
        assert cli.main(["store", "import", str(archive_path), "--store", target]) == 0

        err = capsys.readouterr().err
        assert "order updates and checkout reminders were restored turned off" in err
        assert "template_id: the template" in err and "the store sends through the other provider" in err
        source_counts = _counts(db, shop.id)
        assert _counts(db, target) == source_counts | (
            {"whatsapp_templates": source_counts["whatsapp_templates"] + 1} if source == "twilio" else {}
        )
        source_settings, _ = _notification_settings(db, shop.id)
        target_settings, enabled_at = _notification_settings(db, target)
        assert (
            source_settings["events"]["completed"]["enabled"]
            and source_settings["abandoned_checkout"]["enabled"]
        )
        assert enabled_at == []
        assert target_settings == source_settings | {
            "events": {event: kind | {"enabled": False} for event, kind in source_settings["events"].items()},
            "abandoned_checkout": source_settings["abandoned_checkout"] | {"enabled": False},
        }
    finally:
        db.execute("delete from stores where id = %s", (target,))


def test_import_refuses_a_tampered_archive(api: TestClient, shop: Shop, db: Db, tmp_path: Path) -> None:
    _fill_store(db, shop.id)
    archive_path = tmp_path / "store.zip"
    assert cli.main(["store", "export", str(archive_path), "--store", shop.id]) == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive_path) as source, zipfile.ZipFile(tampered, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            out.writestr(
                name, data.replace(b"Pelanggan 1", b"Pelanggan X") if name == "customers.json" else data
            )
    target = _empty_store(db)
    try:
        assert cli.main(["store", "import", str(tampered), "--store", target]) == 1
        assert sum(_counts(db, target).values()) == 0
    finally:
        db.execute("delete from stores where id = %s", (target,))


def _as_format_1(archive_path: Path, out_path: Path) -> Path:
    """The archive as Sapa wrote it before format 2: no history tables, no notification settings."""
    history = {"customer_consent_events", "broadcasts", "broadcast_recipients", "order_notifications"}
    with zipfile.ZipFile(archive_path) as source, zipfile.ZipFile(out_path, "w") as out:
        manifest = json.loads(source.read("manifest.json"))
        store = json.loads(source.read("store.json"))
        store.pop("notification_settings")
        store_bytes = json.dumps(store).encode()
        manifest["format_version"] = 1
        manifest["tables"] = {t: facts for t, facts in manifest["tables"].items() if t not in history}
        manifest["store"]["sha256"] = hashlib.sha256(store_bytes).hexdigest()
        for name in source.namelist():
            if name.split(".")[0] not in history and name not in ("manifest.json", "store.json"):
                out.writestr(name, source.read(name))
        out.writestr("store.json", store_bytes)
        out.writestr("manifest.json", json.dumps(manifest))
    return out_path


def test_an_archive_of_format_1_is_imported_its_customers_recording_consent_anew(
    api: TestClient, shop: Shop, db: Db, tmp_path: Path
) -> None:
    _fill_store(db, shop.id)
    db.execute(
        "update customers set marketing_opt_in = true, marketing_opt_in_at = now() - interval '3 days'"
        " where store_id = %s and name = 'Pelanggan 1'",
        (shop.id,),
    )
    archive_path = tmp_path / "store.zip"
    assert cli.main(["store", "export", str(archive_path), "--store", shop.id]) == 0
    format_1 = _as_format_1(archive_path, tmp_path / "format1.zip")
    target = _empty_store(db)
    try:
        assert cli.main(["store", "import", str(format_1), "--store", target]) == 0

        counts = _counts(db, target)
        assert (counts["customers"], counts["messages"], counts["broadcasts"]) == (4, 10, 0)
        events = db.execute(
            "select c.name, e.given, e.source::text, e.occurred_at = c.marketing_opt_in_at as at_consent"
            " from customer_consent_events e join customers c on c.id = e.customer_id where e.store_id = %s",
            (target,),
        ).fetchall()
        assert events == [{"name": "Pelanggan 1", "given": True, "source": "import", "at_consent": True}]
    finally:
        db.execute("delete from stores where id = %s", (target,))
