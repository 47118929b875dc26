"""The whole store as one archive and back: POST /api/stores/{id}/backups (owners) writes it in the
background to the stack's object storage (moto S3, real boto3), GET …/backups/{id} gives a short-lived
link; `sapa store import ARCHIVE --store ID` restores it into an empty store: same counts, same KPIs."""

from __future__ import annotations

import json
import os
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
from sapa.db import rows
from sapa.jobs.queue import Job, lane_of
from sapa.jobs.worker import handle
from sapa.privacy.backup import TABLES
from sapa.settings import get_settings
from tests.api.inbox import Db, Shop, add_message, new_phone

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


@pytest.fixture(autouse=True)
def stack_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", os.environ["S3_ENDPOINT_URL"])
    monkeypatch.setenv("KNOWLEDGE_BUCKET", os.environ["KNOWLEDGE_BUCKET"])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    get_settings.cache_clear()


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
    _fill_store(db, shop.id)
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
        assert {"customers.csv", "messages.json", "store.json"} <= set(archive.namelist())
    assert manifest["tables"]["customers"]["rows"] == 4 and manifest["tables"]["messages"]["rows"] == 10
    assert manifest["schema_version"] >= "20261203000351"
    assert len(manifest["objects"]) == 1
    [audit] = db.execute(
        "select actor_id::text from audit_log where store_id = %s and action = 'store.backup_requested'",
        (shop.id,),
    )
    assert audit["actor_id"] == shop.owner.id

    target = _empty_store(db)
    try:
        assert cli.main(["store", "import", str(archive_path), "--store", target]) == 0

        assert _counts(db, target) == _counts(db, shop.id)
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
        before = _counts(db, target)

        assert cli.main(["store", "import", str(archive_path), "--store", target]) == 1, (
            "a store with data is refused"
        )
        assert _counts(db, target) == before
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
